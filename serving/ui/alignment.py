"""The monthly page (/ui/alignment) as a template context (no FastAPI here).

The numbers are the API's own (:mod:`serving.alignment`); this module reads the page's
filters from the query string, puts rates into words and draws the trend chart. A bad
filter gives the page with the problem in words (status 422), never a JSON error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from features.errors import LeadgradeError
from models.evidence import percent
from serving.alignment import (
    Filters,
    read_campaign_changes,
    read_follow_up,
    read_kpis,
    read_target_accounts,
)
from serving.model_source import ModelSource
from serving.ui import charts
from serving.ui.funnel import reason_words
from store import LeadStore
from store.kpis import KpiRow
from store.lead_facts import Period, parse_period

FILTER_NAMES = ("since", "until", "campaign", "grade", "client")
PERIODS = {"month": "Month", "quarter": "Quarter", "week": "Week"}
LEADS, ACCEPTED, WON = "#56B4E9", "#0072B2", "#009E73"


def page_filters(query: Mapping[str, str]) -> tuple[Filters, Period]:
    """The filters and period of the page's query string; empty fields mean no filter."""
    given = {k: query[k].strip() for k in FILTER_NAMES if query.get(k, "").strip()}
    period = parse_period(query.get("period") or "month")
    filters = Filters.model_validate(given)
    if filters.since and filters.until and filters.since > filters.until:
        # The API answers such a range as empty; a person more likely swapped the two.
        raise ValueError(f"until: {filters.until} is before since {filters.since}")
    return filters, period


def alignment_context(
    store: LeadStore, source: ModelSource, query: Mapping[str, str]
) -> dict[str, Any]:
    """Everything the monthly page shows: trend, promise, accounts and campaign changes."""
    page = {
        "page": "alignment",
        "model": source.current.info.as_dict() if source.ready else None,
        "form": {k: query.get(k, "") for k in (*FILTER_NAMES, "period")},
        "periods": PERIODS,
    }
    try:
        filters, period = page_filters(query)
    except (ValidationError, ValueError, LeadgradeError) as exc:
        return {**page, "error": _problem(exc), "status": 422}
    kpis = read_kpis(store, source, period, filters).rows
    follow = read_follow_up(store, source, "grade", period, filters).rows
    accounts = read_target_accounts(store, source, filters) if source.ready else None
    changes = read_campaign_changes(store, source, filters)
    csv_query = {
        k: v for k, v in {**filters.model_dump(mode="json"), "period": period}.items() if v
    }
    return {
        **page,
        "period": period,
        "kpis": [kpi_line(row) for row in kpis],
        "trend": trend_chart(kpis, period),
        "follow_up": follow,
        "follow_up_total": _totals(follow),
        "accounts": accounts,
        "changes": changes,
        "reason_words": reason_words,
        "percent": percent,
        "csv_url": "/ui/alignment.csv?" + urlencode(csv_query),
        "status": 200,
    }


def kpi_line(row: KpiRow) -> dict[str, Any]:
    """A period's metrics as the table shows them: counts as they are, rates in percent."""
    days = row.median_days_to_feedback
    return {
        **row.model_dump(),
        "share_a_or_b": percent(row.share_a_or_b),
        "win_rate": percent(row.win_rate),
        "follow_up_rate": percent(row.follow_up_rate),
        "median_days_to_feedback": "–" if days is None else f"{days:.1f}",
    }


def trend_chart(rows: list[KpiRow], period: Period) -> Any:
    labels = [row.period for row in rows]
    series = [
        ("leads", LEADS, [float(row.leads) for row in rows]),
        ("accepted", ACCEPTED, [float(row.accepted) for row in rows]),
        ("won", WON, [float(row.won) for row in rows]),
    ]
    return charts.grouped_columns(labels, series, f"Leads, accepted and won by {period}")


def _totals(rows: list[Any]) -> dict[str, Any]:
    parts = ("routed_to_sales", "on_time", "late", "missing", "pending")
    total = {p: sum(getattr(r, p) for r in rows) for p in parts}
    due = total["on_time"] + total["late"] + total["missing"]
    return {**total, "kept_rate": percent(total["on_time"] / due if due else None)}


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return f"The filter {field} cannot be used: {first['msg']}."
    message = exc.message if isinstance(exc, LeadgradeError) else str(exc)
    return f"The filters cannot be used: {message}."

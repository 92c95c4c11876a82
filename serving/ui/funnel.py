"""The campaigns page: the funnel report as a template context (no FastAPI here).

The numbers are the API's own (:func:`serving.funnel.read_funnel`); this module only
picks the grouping, orders the groups and puts the numbers and loss reasons into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from features.reasons import DESCRIPTIONS, CanonicalReason
from models.evidence import percent
from serving.funnel import DEFAULT_BY, read_funnel
from serving.model_source import ModelSource
from serving.ui import charts
from store import LeadStore
from store.funnel import Dimension, FunnelRow, parse_dimensions

# The groupings offered in the selector: the ``by`` value → what it reads as.
GROUPINGS = {
    "campaign": "Campaign",
    "source": "Source",
    "month": "Month",
    "grade": "Grade",
    "campaign,month": "Campaign × month",
}
# Groups with an order of their own (months, grades) keep it; the others go by size.
_ORDERED: frozenset[Dimension] = frozenset({"month", "grade"})
_LABEL_CHARS = 30  # what fits left of the chart's bars


@dataclass(frozen=True)
class FunnelLine:
    """One group of the funnel, as the table shows it."""

    group: list[str]
    leads: int
    share_a_or_b: str
    accepted: int
    opportunities: int
    worked: int
    won: int
    lost: int
    win_rate: str
    median_days: str
    loss_reasons: list[tuple[str, int]]


def funnel_context(store: LeadStore, source: ModelSource, by: Sequence[str]) -> dict[str, Any]:
    """The campaigns page grouped by ``by`` (as the API reads it; default: campaign).

    A bad ``by`` gives the page with the problem in words and status 422.
    """
    page = {"page": "funnel", "model": source.current.info.as_dict() if source.ready else None}
    try:
        dimensions = parse_dimensions(by) or list(DEFAULT_BY)
    except ValueError as exc:
        message = f"The leads cannot be grouped that way: {exc}."
        return {**page, "groupings": GROUPINGS, "error": message, "status": 422}
    rows = ordered(read_funnel(store, source, dimensions).rows, dimensions)
    return {
        **page,
        **grouping(dimensions),
        "lines": [funnel_line(row, dimensions) for row in rows],
        "totals": totals(rows),
        "chart": win_rate_chart(rows, dimensions),
        "status": 200,
    }


def grouping(by: Sequence[Dimension]) -> dict[str, Any]:
    """The selector's choices, with ``by`` selected (added when it is not a usual one)."""
    key, columns = ",".join(by), [GROUPINGS[d] for d in by]
    choices = GROUPINGS if key in GROUPINGS else {**GROUPINGS, key: " × ".join(columns)}
    return {"groupings": choices, "selected": key, "columns": columns}


def ordered(rows: Sequence[FunnelRow], by: Sequence[Dimension]) -> list[FunnelRow]:
    """Months and grades in their own order; campaigns and sources largest first.

    Leads without a campaign (or source) come last whatever their number: they are not one.
    """
    if _ORDERED.intersection(by):
        return list(rows)  # the report's group order: months in time, grades A to D
    # sorted is stable: ties keep the report's name order
    return sorted(rows, key=lambda row: (None in row.group.values(), -row.leads))


def funnel_line(row: FunnelRow, by: Sequence[Dimension]) -> FunnelLine:
    return FunnelLine(
        group=group_names(row, by),
        leads=row.leads,
        share_a_or_b=percent(row.share_a_or_b),
        accepted=row.accepted,
        opportunities=row.opportunities,
        worked=row.worked,
        won=row.won,
        lost=row.lost,
        win_rate=percent(row.win_rate),
        median_days="–"
        if row.median_days_to_outcome is None
        else f"{row.median_days_to_outcome:.1f}",
        loss_reasons=[(reason_words(r.reason), r.count) for r in row.top_loss_reasons],
    )


def group_names(row: FunnelRow, by: Sequence[Dimension]) -> list[str]:
    """The group's values; a lead without a campaign (or source) is in "(no campaign)"."""
    return [row.group[d] or f"(no {d})" for d in by]


def reason_words(reason: str) -> str:
    """A canonical loss reason in plain words ("no_budget" → "no budget")."""
    try:
        return DESCRIPTIONS[CanonicalReason(reason)]
    except ValueError:
        return reason.replace("_", " ")


def totals(rows: Sequence[FunnelRow]) -> dict[str, Any]:
    """All groups together: leads, worked, won, lost and the overall win rate."""
    worked, won = sum(r.worked for r in rows), sum(r.won for r in rows)
    return {
        "leads": sum(r.leads for r in rows),
        "worked": worked,
        "won": won,
        "lost": sum(r.lost for r in rows),
        "win_rate": percent(won / worked if worked else None),
    }


def win_rate_chart(rows: Sequence[FunnelRow], by: Sequence[Dimension]) -> Markup | None:
    """Bars of the win rate of each group with an outcome; None while no group has one."""
    bars = [
        (_short(" · ".join(group_names(r, by))), r.win_rate, f"{percent(r.win_rate)} of {r.worked}")
        for r in rows
        if r.win_rate is not None
    ]
    if not bars:
        return None
    return charts.bars(bars, "Win rate of the worked leads, by group", colour=charts.UP)


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"

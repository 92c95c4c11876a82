"""The funnel: how leads fare by campaign, source, grade and month.

Plain functions over the store; serving turns them into JSON and pages. Follow-ups that
are overdue live in :mod:`store.overdue`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import RowMapping

from features.spec import LeadSpec
from store.engine import read_transaction
from store.queries import lead_snapshots
from store.store import LeadStore

Dimension = Literal["campaign", "source", "grade", "month"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
TOP_LOSS_REASONS = 3


class ReasonCount(BaseModel):
    reason: str
    count: int


class FunnelRow(BaseModel):
    """How the leads of one group fared. Rates are None where nothing was worked yet."""

    group: dict[str, str | None]
    leads: int
    share_a_or_b: float
    accepted: int = Field(description="accepted by sales, or further (opportunity, won)")
    opportunities: int = Field(description="an opportunity was opened, or the lead was won")
    worked: int
    won: int
    lost: int
    win_rate: float | None
    median_days_to_outcome: float | None
    top_loss_reasons: list[ReasonCount]


@dataclass(frozen=True)
class _Lead:
    """What the funnel needs of one lead."""

    group: tuple[str | None, ...]
    good_grade: bool
    accepted: bool
    opportunity: bool
    outcome: str | None
    loss_reason: str | None
    days_to_outcome: float | None


def parse_dimensions(values: Iterable[str]) -> list[Dimension]:
    """Dimensions from ``["campaign", "month"]`` or ``["campaign,month"]``, in order.

    Raises ``ValueError`` naming the bad value for an unknown or repeated dimension.
    """
    names = [part.strip().lower() for value in values for part in value.split(",")]
    found: list[Dimension] = []
    for name in filter(None, names):
        if name not in DIMENSIONS:
            raise ValueError(f"{name!r} is not a funnel dimension; use {', '.join(DIMENSIONS)}")
        if name in found:
            raise ValueError(f"{name!r} is given twice")
        found.append(name)
    return found


def funnel_fields(spec: LeadSpec | None) -> tuple[str, str]:
    """The lead fields that hold the campaign and the source, for :func:`funnel`.

    A feature field of the spec named after the dimension counts: the exact name
    (``campaign``, ``source``) first, then the first field in spec order that ends in
    ``_campaign`` / ``_source`` (``utm_campaign``, ``lead_source``). Without a spec or such
    a field, the defaults are ``campaign`` and ``lead_source``.
    """
    fields = [] if spec is None else spec.feature_fields

    def named(dimension: str, default: str) -> str:
        if dimension in fields:
            return dimension
        return next((f for f in fields if f.endswith(f"_{dimension}")), default)

    return named("campaign", "campaign"), named("source", "lead_source")


def funnel(
    store: LeadStore,
    by: Sequence[Dimension],
    *,
    campaign_field: str = "campaign",
    source_field: str = "lead_source",
) -> list[FunnelRow]:
    """Leads grouped by ``by`` (any combination of dimensions), in group order.

    Campaign and source come from the lead as first scored, the grade from its latest
    score, the month (``YYYY-MM``, UTC) from when it was first scored. A lead is worked once
    it has an outcome, and counts by its latest one; lost includes disqualified. Accepted
    and opportunities count the leads that reached that stage (a won lead passed both).
    """
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown or len(set(by)) != len(by):
        raise ValueError(f"by must name distinct dimensions among {DIMENSIONS}, got {list(by)}")
    fields = {"campaign": campaign_field, "source": source_field}
    with read_transaction(store.engine) as conn:
        rows = conn.execute(lead_snapshots()).mappings().all()
    groups: defaultdict[tuple[str | None, ...], list[_Lead]] = defaultdict(list)
    for row in rows:
        lead = _funnel_lead(row, by, fields)
        groups[lead.group].append(lead)
    ordered = sorted(groups, key=lambda g: [(v is None, v or "") for v in g])
    return [_funnel_row(dict(zip(by, g, strict=True)), groups[g]) for g in ordered]


def _funnel_lead(row: RowMapping, by: Sequence[Dimension], fields: dict[str, str]) -> _Lead:
    def value(dimension: Dimension) -> str | None:
        if dimension == "grade":
            return str(row["grade"])
        if dimension == "month":
            return str(row["first_scored_at"].strftime("%Y-%m"))
        found: Any = row["fields"].get(fields[dimension])
        return None if found is None else str(found)

    outcome_at: datetime | None = row["outcome_at"]
    return _Lead(
        group=tuple(value(d) for d in by),
        good_grade=row["grade"] in ("A", "B"),
        accepted=bool(row["accepted"]),
        opportunity=bool(row["opportunity"]),
        outcome=row["outcome"],
        loss_reason=row["canonical_reason"] if row["outcome"] in ("lost", "disqualified") else None,
        days_to_outcome=None
        if outcome_at is None
        else (outcome_at - row["first_scored_at"]).total_seconds() / 86400,
    )


def _funnel_row(group: dict[str, str | None], leads: list[_Lead]) -> FunnelRow:
    worked = [lead for lead in leads if lead.outcome is not None]
    won = sum(1 for lead in worked if lead.outcome == "won")
    reasons = Counter(lead.loss_reason for lead in worked if lead.loss_reason)
    # Most common first; ties in name order, so that the report does not reshuffle.
    top = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:TOP_LOSS_REASONS]
    days = [lead.days_to_outcome for lead in worked if lead.days_to_outcome is not None]
    return FunnelRow(
        group=group,
        leads=len(leads),
        share_a_or_b=sum(1 for lead in leads if lead.good_grade) / len(leads),
        accepted=sum(1 for lead in leads if lead.accepted),
        opportunities=sum(1 for lead in leads if lead.opportunity),
        worked=len(worked),
        won=won,
        lost=len(worked) - won,
        win_rate=won / len(worked) if worked else None,
        median_days_to_outcome=statistics.median(days) if days else None,
        top_loss_reasons=[ReasonCount(reason=r, count=n) for r, n in top],
    )

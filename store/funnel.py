"""The funnel: how leads fare by campaign, source, grade and month.

Plain functions over the store; serving turns them into JSON and pages. Follow-ups that
are overdue live in :mod:`store.overdue`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, RowMapping, Select, Subquery, case, func, select
from sqlalchemy.sql.elements import KeyedColumnElement

from features.spec import LeadSpec
from store.engine import read_transaction
from store.paging import make_cursor, read_cursor
from store.queries import lead_snapshots
from store.sql_time import elapsed_seconds, year_month
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

    A lead counts where the alignment reports count it: campaign, source and grade are those
    of its first score (what sales was told), the month (``YYYY-MM``, UTC) that of its
    arrival (the creation time the CRM sent, else its first score). A lead is worked once
    it has an outcome, and counts by its latest one; lost includes disqualified. Accepted
    and opportunities count the leads that reached that stage (a won lead passed both).

    The counts, loss reasons and medians are aggregated in the database (one row per group
    comes back, never one per lead).
    """
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown or len(set(by)) != len(by):
        raise ValueError(f"by must name distinct dimensions among {DIMENSIONS}, got {list(by)}")
    leads = _per_lead(by, {"campaign": campaign_field, "source": source_field})
    groups = [leads.c[f"by{i}"] for i in range(len(by))]

    def key(row: RowMapping) -> Group:
        return tuple(None if row[g.name] is None else str(row[g.name]) for g in groups)

    with read_transaction(store.engine) as conn:
        counts = {key(row): row for row in conn.execute(_counts(leads, groups)).mappings()}
        reasons: defaultdict[Group, list[ReasonCount]] = defaultdict(list)
        for row in conn.execute(_loss_reasons(leads, groups)).mappings():
            reasons[key(row)].append(ReasonCount(reason=row["reason"], count=row["n"]))
        medians = {key(r): r["median"] for r in conn.execute(_medians(leads, groups)).mappings()}
    ordered = sorted(counts, key=_order)
    return [
        _funnel_row(dict(zip(by, g, strict=True)), counts[g], reasons[g], medians.get(g))
        for g in ordered
    ]


def funnel_page(
    rows: Sequence[FunnelRow], by: Sequence[Dimension], *, limit: int, cursor: str | None
) -> tuple[list[FunnelRow], str | None]:
    """``limit`` groups after the one ``cursor`` names, and the cursor of the next page."""
    start = 0
    if cursor is not None:
        after = _order(tuple(read_cursor(cursor, *[(str, type(None))] * len(by))))  # type: ignore[arg-type]
        start = next((i for i, r in enumerate(rows) if _order(_row_key(r, by)) > after), len(rows))
    page = list(rows[start : start + limit])
    more = start + limit < len(rows)
    return page, make_cursor(list(_row_key(page[-1], by))) if more and page else None


Group = tuple[str | None, ...]


def _row_key(row: FunnelRow, by: Sequence[Dimension]) -> Group:
    return tuple(row.group[d] for d in by)


def _order(group: Group) -> list[tuple[bool, str]]:
    """Groups in name order, a missing value (no campaign) last."""
    return [(v is None, v or "") for v in group]


def _per_lead(by: Sequence[Dimension], fields: dict[str, str]) -> Subquery:
    """One row per lead: its group values and what the funnel counts of it."""
    snap = lead_snapshots().order_by(None).subquery()

    def value(dimension: Dimension) -> ColumnElement[Any]:
        if dimension == "grade":
            return snap.c.first_grade
        if dimension == "month":
            return year_month(func.coalesce(snap.c.created_at, snap.c.first_scored_at))
        found: ColumnElement[Any] = snap.c.fields[fields[dimension]].as_string()
        return found

    lost = snap.c.outcome.in_(("lost", "disqualified"))
    return select(
        *[value(d).label(f"by{i}") for i, d in enumerate(by)],
        case((snap.c.first_grade.in_(("A", "B")), 1), else_=0).label("good"),
        func.coalesce(snap.c.accepted, 0).label("accepted"),
        func.coalesce(snap.c.opportunity, 0).label("opportunity"),
        snap.c.outcome,
        case((lost, snap.c.canonical_reason), else_=None).label("loss_reason"),
        (elapsed_seconds(snap.c.outcome_at, snap.c.first_scored_at) / 86400.0).label("days"),
    ).subquery("funnel_lead")


def _counts(leads: Subquery, groups: list[KeyedColumnElement[Any]]) -> Select[Any]:
    c = leads.c
    return select(
        *groups,
        func.count().label("leads"),
        func.sum(c.good).label("good"),
        func.sum(c.accepted).label("accepted"),
        func.sum(c.opportunity).label("opportunities"),
        func.count(c.outcome).label("worked"),
        func.sum(case((c.outcome == "won", 1), else_=0)).label("won"),
    ).group_by(*groups)


def _loss_reasons(leads: Subquery, groups: list[KeyedColumnElement[Any]]) -> Select[Any]:
    """The top loss reasons of each group: most common first, ties in name order."""
    n = func.count()
    ranked = (
        select(
            *groups,
            leads.c.loss_reason.label("reason"),
            n.label("n"),
            func.row_number()
            .over(partition_by=groups or None, order_by=(n.desc(), leads.c.loss_reason))
            .label("rank"),
        )
        .where(leads.c.loss_reason.is_not(None))
        .group_by(*groups, leads.c.loss_reason)
        .subquery()
    )
    kept = [ranked.c[g.name] for g in groups]
    return (
        select(*kept, ranked.c.reason, ranked.c.n)
        .where(ranked.c.rank <= TOP_LOSS_REASONS)
        .order_by(ranked.c.rank)
    )


def _medians(leads: Subquery, groups: list[KeyedColumnElement[Any]]) -> Select[Any]:
    """Each group's median days to outcome: the middle value, or the mean of the middle two."""
    partition = groups or None
    ranked = (
        select(
            *groups,
            leads.c.days,
            func.row_number().over(partition_by=partition, order_by=leads.c.days).label("at"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(leads.c.outcome.is_not(None))
        .subquery()
    )
    kept = [ranked.c[g.name] for g in groups]
    middle = ranked.c.at.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2))
    return select(*kept, func.avg(ranked.c.days).label("median")).where(middle).group_by(*kept)


def _funnel_row(
    group: dict[str, str | None],
    counts: RowMapping,
    reasons: list[ReasonCount],
    median: float | None,
) -> FunnelRow:
    worked, won = int(counts["worked"]), int(counts["won"])
    return FunnelRow(
        group=group,
        leads=counts["leads"],
        share_a_or_b=counts["good"] / counts["leads"],
        accepted=counts["accepted"],
        opportunities=counts["opportunities"],
        worked=worked,
        won=won,
        lost=worked - won,
        win_rate=won / worked if worked else None,
        median_days_to_outcome=None if median is None else float(median),
        top_loss_reasons=reasons,
    )

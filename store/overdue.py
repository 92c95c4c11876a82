"""Overdue follow-ups: leads routed to sales whose deadline passed with no outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, RowMapping, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from store.engine import read_transaction
from store.lead_facts import LeadFilter
from store.models import Grade, as_utc
from store.paging import make_cursor, read_cursor
from store.schema import Lead, OutcomeEvent, Score
from store.sql_time import elapsed_seconds, epoch_seconds
from store.store import LeadStore


class OverdueLead(BaseModel):
    """A lead routed to sales whose follow-up deadline passed without an outcome."""

    lead_id: str
    grade: Grade
    score: float
    scored_at: datetime
    due_at: datetime
    hours_overdue: float
    track: str | None
    client: str


class OverduePage(BaseModel):
    """One page of overdue leads, and how many there are on all pages."""

    count: int = Field(description="overdue leads on all pages")
    leads: list[OverdueLead] = Field(description="most overdue first")
    next_cursor: str | None = Field(
        default=None, description="pass as ?cursor= for the next page; null: no more"
    )


def overdue(store: LeadStore, *, now: datetime | None = None) -> list[OverdueLead]:
    """Every lead sales owes a follow-up, most overdue first (see :func:`overdue_page`)."""
    return overdue_page(store, now=now).leads


def overdue_page(
    store: LeadStore,
    *,
    now: datetime | None = None,
    keep: LeadFilter | None = None,
    campaign_field: str = "campaign",
    limit: int | None = None,
    cursor: str | None = None,
) -> OverduePage:
    """Leads sales owes a follow-up, most overdue first: ``limit`` of them after ``cursor``.

    That is: the latest score routed the lead to sales, its follow-up deadline has passed,
    and sales reported nothing at all: no outcome and no stage (an accepted lead has been
    followed up). The deadline is the latest score's ``follow_up_within_hours`` counted
    from that score, except for a lead scored once: its clock starts at its arrival (the
    creation time the CRM sent, else its first score), as in the follow-up report, so a
    lead sent in late is late already; a lead scored again starts a new hand-off.
    ``keep`` filters as the alignment reports do. The deadline is worked out, filtered and
    ordered in the database, so a page reads only its own leads.
    """
    now = datetime.now(UTC) if now is None else as_utc(now)
    query, due = _late(now, keep, campaign_field)
    page_query = query.order_by(due, _ordered_id(store)).add_columns(due.label("due_key"))
    if cursor is not None:
        after_due, after_id = read_cursor(cursor, float, str)
        page_query = page_query.where(
            or_(due > after_due, and_(due == after_due, _ordered_id(store) > after_id))
        )
    if limit is not None:
        page_query = page_query.limit(limit + 1)
    with read_transaction(store.engine) as conn:
        rows = conn.execute(page_query).mappings().all()
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    last = rows[-1] if rows else None
    return OverduePage(
        count=int(total),
        leads=[_overdue(row, now) for row in rows],
        next_cursor=make_cursor([last["due_key"], last["lead_id"]]) if more and last else None,
    )


def _late(now: datetime, keep: LeadFilter | None, campaign_field: str) -> tuple[Select[Any], Any]:
    """The overdue leads (unordered), and their deadline in epoch seconds (to order by)."""
    first = aliased(Score, name="first_score")
    latest = aliased(Score, name="latest_score")
    arrived = func.coalesce(Lead.created_at, Lead.first_scored_at)
    # A lead scored once starts its clock at its arrival, one scored again at that score.
    start = case((latest.id == Lead.first_score_id, arrived), else_=latest.scored_at)
    due = epoch_seconds(start) + elapsed_seconds(latest.follow_up_due_at, latest.scored_at)
    query = (
        select(
            Lead.lead_id,
            Lead.created_at,
            Lead.first_scored_at,
            Lead.first_score_id,
            latest.id.label("score_id"),
            latest.scored_at,
            latest.grade,
            latest.score,
            latest.route,
            latest.follow_up_due_at,
            latest.client,
        )
        .join(latest, latest.id == Lead.latest_score_id)
        .join(first, first.id == Lead.first_score_id)
        .where(latest.queue == "sales", latest.follow_up_due_at.is_not(None))
        .where(~exists().where(OutcomeEvent.lead_id == Lead.lead_id))
        .where(due < now.timestamp())
    )
    if keep is not None:
        query = query.where(*keep.conditions(arrived, first, campaign_field))
    return query, due


def _ordered_id(store: LeadStore) -> ColumnElement[str]:
    """Lead ids in code-point order, as Python sorts them, on every backend."""
    if store.engine.dialect.name == "postgresql":
        return Lead.lead_id.collate("C")
    return Lead.lead_id.expression


def _overdue(row: RowMapping, now: datetime) -> OverdueLead:
    start = row["scored_at"]
    if row["score_id"] == row["first_score_id"]:
        start = row["created_at"] or row["first_scored_at"]
    due = start + (row["follow_up_due_at"] - row["scored_at"])
    return OverdueLead(
        lead_id=row["lead_id"],
        grade=row["grade"],
        score=row["score"],
        scored_at=row["scored_at"],
        due_at=due,
        hours_overdue=(now - due).total_seconds() / 3600,
        track=row["route"].get("track"),
        client=row["client"],
    )

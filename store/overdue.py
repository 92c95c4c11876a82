"""Overdue follow-ups: leads routed to sales whose deadline passed with no feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, RowMapping, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from store.engine import read_transaction
from store.lead_facts import LeadFilter
from store.models import Grade, as_utc
from store.paging import make_cursor, read_cursor
from store.queries import follow_up_due
from store.schema import Lead, OutcomeEvent, Score
from store.sql_time import epoch_seconds
from store.store import LeadStore


class OverdueLead(BaseModel):
    """A lead routed to sales whose follow-up deadline passed without feedback."""

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

    That is: the lead's first score routed it to sales (what sales was told; a later score
    changes nothing), the deadline that score set has passed (its time plus the route's
    hours, :func:`store.queries.follow_up_due`), and sales reported nothing at all: no
    outcome and no stage (an accepted lead has been followed up). These are the leads the
    follow-up report counts as missing. ``keep`` filters as the alignment reports do. The
    deadline is filtered and ordered in the database, so a page reads only its own leads.
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
    due_at = follow_up_due(first)
    query = (
        select(
            Lead.lead_id,
            first.grade,
            first.score,
            first.scored_at,
            due_at.label("due_at"),
            first.route,
            first.client,
        )
        .join(first, first.id == Lead.first_score_id)
        .where(due_at < now)
        .where(~exists().where(OutcomeEvent.lead_id == Lead.lead_id))
    )
    if keep is not None:
        query = query.where(*keep.conditions(first, campaign_field))
    return query, epoch_seconds(due_at)


def _ordered_id(store: LeadStore) -> ColumnElement[str]:
    """Lead ids in code-point order, as Python sorts them, on every backend."""
    if store.engine.dialect.name == "postgresql":
        return Lead.lead_id.collate("C")
    return Lead.lead_id.expression


def _overdue(row: RowMapping, now: datetime) -> OverdueLead:
    return OverdueLead(
        lead_id=row["lead_id"],
        grade=row["grade"],
        score=row["score"],
        scored_at=row["scored_at"],
        due_at=row["due_at"],
        hours_overdue=(now - row["due_at"]).total_seconds() / 3600,
        track=row["route"].get("track"),
        client=row["client"],
    )

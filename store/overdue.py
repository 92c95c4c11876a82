"""Overdue follow-ups: leads routed to sales whose deadline passed with no outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import RowMapping, exists

from store.engine import read_transaction
from store.models import Grade, as_utc
from store.queries import lead_snapshots
from store.schema import OutcomeEvent
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


def overdue(store: LeadStore, *, now: datetime | None = None) -> list[OverdueLead]:
    """Leads sales owes a follow-up, most overdue first.

    That is: the latest score routed the lead to sales, its follow-up deadline has passed,
    and sales reported nothing at all: no outcome and no stage (an accepted lead has been
    followed up). The deadline is the latest score's ``follow_up_within_hours`` counted
    from that score, except for a lead scored once: its clock starts at its arrival (the
    creation time the CRM sent, else its first score), as in the follow-up report, so a
    lead sent in late is late already; a lead scored again starts a new hand-off.
    """
    now = datetime.now(UTC) if now is None else as_utc(now)
    snapshots = lead_snapshots().subquery()
    query = (
        snapshots.select()
        .where(snapshots.c.queue == "sales")
        .where(snapshots.c.follow_up_due_at.is_not(None))
        .where(~exists().where(OutcomeEvent.lead_id == snapshots.c.lead_id))
    )
    with read_transaction(store.engine) as conn:
        rows = conn.execute(query).mappings().all()
    found = [_overdue(row, now) for row in rows]
    late = [lead for lead in found if lead.due_at < now]
    return sorted(late, key=lambda lead: (lead.due_at, lead.lead_id))


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

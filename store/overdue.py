"""Overdue follow-ups: leads routed to sales whose deadline passed with no outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import exists

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

    That is: the latest score routed the lead to sales, its follow-up deadline (that score's
    time plus ``follow_up_within_hours``) has passed, and sales reported nothing at all:
    no outcome and no stage (an accepted lead has been followed up).
    """
    now = datetime.now(UTC) if now is None else as_utc(now)
    snapshots = lead_snapshots().subquery()
    query = (
        snapshots.select()
        .where(snapshots.c.queue == "sales")
        .where(snapshots.c.follow_up_due_at < now)
        .where(~exists().where(OutcomeEvent.lead_id == snapshots.c.lead_id))
        .order_by(snapshots.c.follow_up_due_at, snapshots.c.lead_id)
    )
    with read_transaction(store.engine) as conn:
        rows = conn.execute(query).mappings().all()
    return [
        OverdueLead(
            lead_id=row["lead_id"],
            grade=row["grade"],
            score=row["score"],
            scored_at=row["scored_at"],
            due_at=row["follow_up_due_at"],
            hours_overdue=(now - row["follow_up_due_at"]).total_seconds() / 3600,
            track=row["route"].get("track"),
            client=row["client"],
        )
        for row in rows
    ]

"""Overdue follow-ups for the API, as a plain function over the lead store (no FastAPI)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from serving.storing import store_errors
from store import LeadStore
from store.overdue import OverdueLead, overdue


class OverdueOut(BaseModel):
    as_of: datetime
    count: int
    leads: list[OverdueLead] = Field(description="most overdue first")


def read_overdue(store: LeadStore) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no outcome."""
    now = datetime.now(UTC)
    with store_errors("listing overdue leads", "they cannot be shown"):
        leads = overdue(store, now=now)
    return OverdueOut(as_of=now, count=len(leads), leads=leads)

"""Overdue follow-ups for the API, as a plain function over the lead store (no FastAPI)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from serving.alignment import Filters, campaign_field
from serving.model_source import ModelSource
from serving.storing import store_errors
from store import LeadStore
from store.lead_facts import LeadFilter, lead_facts
from store.overdue import OverdueLead, overdue


class OverdueOut(BaseModel):
    as_of: datetime
    count: int
    leads: list[OverdueLead] = Field(description="most overdue first")


def read_overdue(
    store: LeadStore, source: ModelSource | None = None, filters: Filters | None = None
) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no feedback.

    With ``filters`` (those of the alignment reports), only the leads they keep: by
    arrival, campaign, first grade and CRM client.
    """
    now = datetime.now(UTC)
    keep = None if filters is None else filters.lead_filter()
    with store_errors("listing overdue leads", "they cannot be shown"):
        leads = overdue(store, now=now)
        if keep is not None and keep != LeadFilter():
            field = "campaign" if source is None else campaign_field(source)
            kept = {lead.lead_id for lead in lead_facts(store, keep, field)}
            leads = [lead for lead in leads if lead.lead_id in kept]
    return OverdueOut(as_of=now, count=len(leads), leads=leads)

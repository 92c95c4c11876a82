"""Overdue follow-ups for the API, as a plain function over the lead store (no FastAPI)."""

from __future__ import annotations

from datetime import UTC, datetime

from serving.alignment import Filters, campaign_field
from serving.model_source import ModelSource
from serving.storing import invalid_cursor, store_errors
from store import LeadStore
from store.overdue import OverduePage, overdue_page


class OverdueOut(OverduePage):
    as_of: datetime


def read_overdue(
    store: LeadStore,
    source: ModelSource | None = None,
    filters: Filters | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no feedback.

    With ``filters`` (those of the alignment reports), only the leads they keep: by
    arrival, campaign, first grade and CRM client. ``limit`` leads after ``cursor``.
    """
    now = datetime.now(UTC)
    keep = None if filters is None else filters.lead_filter()
    field = "campaign" if source is None else campaign_field(source)
    with store_errors("listing overdue leads", "they cannot be shown"), invalid_cursor():
        page = overdue_page(
            store, now=now, keep=keep, campaign_field=field, limit=limit, cursor=cursor
        )
    return OverdueOut(as_of=now, **dict(page))

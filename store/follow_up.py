"""The follow-up promise: did sales give feedback on every lead routed to it in time?

A lead routed to sales by its first score (A, B, or a target account) owes feedback
within its deadline: ``follow_up_within_hours`` of that score, counted from that score,
when sales was told (:func:`store.queries.follow_up_due`). Any report from sales counts as
feedback: a stage (accepted, opportunity) or an outcome. Each such lead is on time, late,
missing (deadline passed, nothing reported) or pending (deadline not reached, nothing
reported yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

from store.lead_facts import (
    LeadFacts,
    LeadFilter,
    Period,
    campaign_of,
    lead_facts,
    period_of,
    periods_between,
    span,
)
from store.models import as_utc
from store.store import LeadStore

FollowUpBy = Literal["period", "campaign", "grade", "client"]
FOLLOW_UP_BY: tuple[FollowUpBy, ...] = get_args(FollowUpBy)
Status = Literal["on_time", "late", "missing", "pending"]


class FollowUpRow(BaseModel):
    """How the promise fared for one group of leads routed to sales."""

    group: str | None = Field(description="the period, campaign, grade or client")
    routed_to_sales: int
    on_time: int = Field(description="feedback within the deadline")
    late: int = Field(description="feedback, but after the deadline")
    missing: int = Field(description="deadline passed, no feedback yet")
    pending: int = Field(description="deadline not reached, no feedback yet")
    kept_rate: float | None = Field(
        description="on time out of those whose deadline passed or who got feedback"
    )


def follow_up_status(lead: LeadFacts, now: datetime) -> Status | None:
    """Where a lead stands on the promise; None for a lead not routed to sales."""
    due = lead.due_at
    if due is None:
        return None
    if lead.first_feedback_at is not None:
        return "on_time" if lead.first_feedback_at <= due else "late"
    return "missing" if now > due else "pending"


def kept_rate(statuses: Iterable[Status | None]) -> float | None:
    """On time out of on time, late and missing; None when no lead is due yet."""
    counted = [s for s in statuses if s in ("on_time", "late", "missing")]
    return sum(1 for s in counted if s == "on_time") / len(counted) if counted else None


def follow_up(
    store: LeadStore,
    *,
    by: FollowUpBy = "period",
    period: Period = "month",
    keep: LeadFilter | None = None,
    campaign_field: str = "campaign",
    now: datetime | None = None,
) -> list[FollowUpRow]:
    """The promise kept, late, missing or pending, per group of ``by``.

    By period, every period from the first lead's to the last one's is listed (zeros
    where no lead arrived); other groups are listed by name, no value last.
    """
    now = datetime.now(UTC) if now is None else as_utc(now)
    leads = [lead for lead in lead_facts(store, keep, campaign_field) if lead.due_at is not None]
    groups: defaultdict[str | None, list[Status]] = defaultdict(list)
    for lead in leads:
        status = follow_up_status(lead, now)
        if status is not None:
            groups[_group(lead, by, period, campaign_field)].append(status)
    return [_row(name, groups.get(name, [])) for name in _order(groups, leads, by, period)]


def _group(lead: LeadFacts, by: FollowUpBy, period: Period, campaign_field: str) -> str | None:
    if by == "period":
        return period_of(lead.arrived_at.date(), period)
    if by == "campaign":
        return campaign_of(lead, campaign_field)
    return lead.grade if by == "grade" else lead.client


def _order(
    groups: Iterable[str | None], leads: Sequence[LeadFacts], by: FollowUpBy, period: Period
) -> list[str | None]:
    days = span(leads)
    if by == "period" and days is not None:
        return list(periods_between(*days, period))
    return sorted(groups, key=lambda g: (g is None, g or ""))


def _row(group: str | None, statuses: list[Status]) -> FollowUpRow:
    def count(status: Status) -> int:
        return sum(1 for s in statuses if s == status)

    return FollowUpRow(
        group=group,
        routed_to_sales=len(statuses),
        on_time=count("on_time"),
        late=count("late"),
        missing=count("missing"),
        pending=count("pending"),
        kept_rate=kept_rate(statuses),
    )

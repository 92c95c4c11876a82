"""The common metrics sales and marketing are both judged on, by week, month or quarter."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from store.follow_up import follow_up_status, kept_rate
from store.lead_facts import (
    LeadFacts,
    LeadFilter,
    Period,
    lead_facts,
    period_of,
    periods_between,
    span,
)
from store.models import as_utc
from store.store import LeadStore


class KpiRow(BaseModel):
    """One period's leads (by arrival) and how far they got. Rates are None without data."""

    period: str = Field(description="2025-05 (month), 2025-Q2 (quarter) or 2025-W19 (ISO week)")
    leads: int
    share_a_or_b: float | None = Field(description="graded A or B by their first score")
    accepted: int = Field(description="accepted by sales, or further (opportunity, won)")
    opportunities: int = Field(description="an opportunity was opened, or the lead was won")
    won: int
    lost: int = Field(description="lost or disqualified")
    win_rate: float | None = Field(description="won out of won and lost")
    median_days_to_feedback: float | None = Field(
        description="from the first score to the first report from sales, over leads with one"
    )
    follow_up_rate: float | None = Field(
        description="leads routed to sales with feedback within their deadline, out of those due"
    )


def kpis(
    store: LeadStore,
    period: Period = "month",
    *,
    keep: LeadFilter | None = None,
    campaign_field: str = "campaign",
    now: datetime | None = None,
) -> list[KpiRow]:
    """One row per period from the first lead's to the last one's; empty periods are zeros."""
    now = datetime.now(UTC) if now is None else as_utc(now)
    leads = lead_facts(store, keep, campaign_field)
    by_period: defaultdict[str, list[LeadFacts]] = defaultdict(list)
    for lead in leads:
        by_period[period_of(lead.arrived_at.date(), period)].append(lead)
    days = span(leads)
    names = [] if days is None else periods_between(*days, period)
    return [_row(name, by_period.get(name, []), now) for name in names]


def _row(period: str, leads: list[LeadFacts], now: datetime) -> KpiRow:
    won = sum(1 for lead in leads if lead.won)
    lost = sum(1 for lead in leads if lead.lost)
    days = [
        (lead.first_feedback_at - lead.scored_at).total_seconds() / 86400
        for lead in leads
        if lead.first_feedback_at is not None
    ]
    return KpiRow(
        period=period,
        leads=len(leads),
        share_a_or_b=sum(1 for lead in leads if lead.good_grade) / len(leads) if leads else None,
        accepted=sum(1 for lead in leads if lead.accepted),
        opportunities=sum(1 for lead in leads if lead.opportunity),
        won=won,
        lost=lost,
        win_rate=won / (won + lost) if won + lost else None,
        median_days_to_feedback=statistics.median(days) if days else None,
        follow_up_rate=kept_rate(follow_up_status(lead, now) for lead in leads),
    )

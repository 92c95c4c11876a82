"""One row per lead with what the alignment reports count: arrival, first score, progress.

A lead belongs to the period of its arrival: the creation time the CRM sent, else its first
score, in UTC. Its grade and route are those of its first score (what sales was told), and
so is its follow-up deadline: the first score's time plus its route's hours (see
:func:`store.queries.follow_up_due`). The feedback of sales is summed up per lead in SQL
(first and last feedback, stages reached); the latest outcome counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from store.engine import read_transaction
from store.models import Grade
from store.queries import feedback_summary, follow_up_due, latest_outcomes
from store.schema import Lead, Score
from store.store import LeadStore

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[Period, ...] = get_args(Period)


@dataclass(frozen=True)
class LeadFacts:
    """What the alignment reports need of one lead."""

    lead_id: str
    arrived_at: datetime
    scored_at: datetime  # of its first score
    due_at: datetime | None  # of the follow-up, for a lead routed to sales
    grade: Grade
    queue: str
    track: str | None
    re_engage_on: date | None
    client: str
    fields: dict[str, Any]
    accepted: bool
    opportunity: bool
    outcome: str | None
    loss_reason: str | None
    first_feedback_at: datetime | None
    last_activity_at: datetime

    @property
    def good_grade(self) -> bool:
        return self.grade in ("A", "B")

    @property
    def won(self) -> bool:
        return self.outcome == "won"

    @property
    def lost(self) -> bool:
        """Lost or disqualified, as in the funnel."""
        return self.outcome in ("lost", "disqualified")


@dataclass(frozen=True)
class LeadFilter:
    """Which leads a report counts; every condition given must hold."""

    since: date | None = None
    until: date | None = None  # inclusive
    campaign: str | None = None
    grade: Grade | None = None
    client: str | None = None

    def conditions(self, first: Any, campaign_field: str) -> list[ColumnElement[bool]]:
        """The filter as SQL on the lead, ``first`` being its first score (an alias)."""
        arrived = func.coalesce(Lead.created_at, Lead.first_scored_at)
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(arrived >= _midnight(self.since))
        if self.until is not None and self.until < date.max:  # the last day has no next day
            found.append(arrived < _midnight(self.until + timedelta(days=1)))
        if self.campaign is not None:
            found.append(first.fields[campaign_field].as_string() == self.campaign)
        if self.grade is not None:
            found.append(first.grade == self.grade)
        if self.client is not None:
            found.append(first.client == self.client)
        return found


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def campaign_of(lead: LeadFacts, campaign_field: str) -> str | None:
    value = lead.fields.get(campaign_field)
    return None if value is None else str(value)


def period_of(moment: date, period: Period) -> str:
    """``2025-05`` (month), ``2025-Q2`` (quarter) or ISO week ``2025-W19``."""
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def periods_between(first: date, last: date, period: Period) -> list[str]:
    """Every period from the one holding ``first`` to the one holding ``last``, in order.

    Reports list each of them, so that a period without leads shows as zeros, not a gap.
    """
    keys: list[str] = []
    day = _period_start(first, period)
    while day <= last:
        keys.append(period_of(day, period))
        day = _next_period(day, period)
    return keys


def _period_start(day: date, period: Period) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    month = day.month if period == "month" else (day.month - 1) // 3 * 3 + 1
    return date(day.year, month, 1)


def _next_period(start: date, period: Period) -> date:
    if period == "week":
        return start + timedelta(days=7)
    month = start.month - 1 + (1 if period == "month" else 3)
    return date(start.year + month // 12, month % 12 + 1, 1)


def parse_period(value: str) -> Period:
    """``week``, ``month`` or ``quarter``; ``ValueError`` naming the choices otherwise."""
    name = value.strip().lower()
    for period in PERIODS:
        if name == period:
            return period
    raise ValueError(f"{value!r} is not a period; use {', '.join(PERIODS)}")


def lead_facts(
    store: LeadStore, keep: LeadFilter | None = None, campaign_field: str = "campaign"
) -> list[LeadFacts]:
    """Every lead's facts (in lead id order), those ``keep`` rejects left out."""
    with read_transaction(store.engine) as conn:
        rows = conn.execute(_query(keep, campaign_field)).mappings().all()
    return [_facts(row) for row in rows]


def _query(keep: LeadFilter | None, campaign_field: str) -> Select[Any]:
    feedback = feedback_summary()
    outcome = latest_outcomes()
    first = aliased(Score, name="first_score")
    query = (
        select(
            Lead.lead_id,
            Lead.created_at,
            first.scored_at,
            follow_up_due(first).label("due_at"),
            first.grade,
            first.queue,
            first.route,
            first.client,
            first.fields,
            feedback.c.first_feedback_at,
            feedback.c.last_feedback_at,
            feedback.c.accepted,
            feedback.c.opportunity,
            outcome.c.outcome,
            outcome.c.canonical_reason,
        )
        .join(first, first.id == Lead.first_score_id)
        .outerjoin(feedback, feedback.c.lead_id == Lead.lead_id)
        .outerjoin(outcome, and_(outcome.c.lead_id == Lead.lead_id, outcome.c.newest == 1))
        .order_by(Lead.lead_id)
    )
    if keep is not None:
        query = query.where(*keep.conditions(first, campaign_field))
    return query


def _facts(row: Any) -> LeadFacts:
    route: dict[str, Any] = row["route"]
    again = route.get("re_engage_on")
    arrived = row["created_at"] or row["scored_at"]
    # The lead's own activity: its arrival and sales' reports (a replay's scoring is not).
    activity = [arrived, row["last_feedback_at"]]
    return LeadFacts(
        lead_id=row["lead_id"],
        arrived_at=arrived,
        scored_at=row["scored_at"],
        due_at=row["due_at"],
        grade=row["grade"],
        queue=row["queue"],
        track=route.get("track"),
        re_engage_on=None if again is None else date.fromisoformat(again),
        client=row["client"],
        fields=row["fields"],
        accepted=bool(row["accepted"]),
        opportunity=bool(row["opportunity"]),
        outcome=row["outcome"],
        loss_reason=row["canonical_reason"] if row["outcome"] in ("lost", "disqualified") else None,
        first_feedback_at=row["first_feedback_at"],
        last_activity_at=max(a for a in activity if a is not None),
    )


def span(leads: Iterable[LeadFacts]) -> tuple[date, date] | None:
    """The first and last arrival day of these leads; None for no leads."""
    days = [lead.arrived_at.date() for lead in leads]
    return (min(days), max(days)) if days else None

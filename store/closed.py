"""Leads scored in a recent window that have since closed, for "do the grades still hold?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from store.engine import read_transaction
from store.models import OUTCOMES
from store.schema import Lead, OutcomeEvent, Score


@dataclass(frozen=True)
class ClosedLead:
    grade: str
    probability: float
    won: bool


def closed_since(engine: Engine, since: datetime) -> list[ClosedLead]:
    """Leads whose latest score is from ``since`` on and whose latest outcome closed them.

    A lead's latest outcome (won, lost or disqualified; stages do not close a lead) counts,
    set against the grade and probability of the lead's latest score.
    """
    scored = (
        select(Score.lead_id, Score.grade, Score.probability)
        .join(Lead, Lead.latest_score_id == Score.id)
        .where(Score.scored_at >= since)
    )
    with read_transaction(engine) as conn:
        leads = {row.lead_id: row for row in conn.execute(scored)}
        events = conn.execute(
            select(OutcomeEvent.lead_id, OutcomeEvent.outcome)
            .where(OutcomeEvent.lead_id.in_(scored.with_only_columns(Score.lead_id)))
            .where(OutcomeEvent.outcome.in_(OUTCOMES))
            .order_by(OutcomeEvent.occurred_at, OutcomeEvent.recorded_at, OutcomeEvent.id)
        )
        latest = {event.lead_id: event.outcome for event in events}
    return [
        ClosedLead(leads[lead].grade, leads[lead].probability, outcome == "won")
        for lead, outcome in latest.items()
    ]

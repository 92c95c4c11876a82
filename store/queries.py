"""Queries shared by the store, its training frame and the reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from store.models import OUTCOMES
from store.schema import Lead, OutcomeEvent, Score


def latest_outcomes(as_of: datetime | None = None) -> Subquery:
    """Every outcome event ranked per lead, ``newest == 1`` being the one that counts.

    Latest means latest to have happened, then latest recorded: a correction sent later
    for the same moment wins. With ``as_of``, events recorded after it are not known yet.
    Stages (accepted, opportunity) are progress, not outcomes, and are left out.
    """
    e = OutcomeEvent
    newest = func.row_number().over(
        partition_by=e.lead_id, order_by=(e.occurred_at.desc(), e.recorded_at.desc(), e.id.desc())
    )
    query = select(
        e.lead_id, e.outcome, e.canonical_reason, e.rating, e.occurred_at, newest.label("newest")
    ).where(e.outcome.in_(OUTCOMES))
    if as_of is not None:
        query = query.where(e.recorded_at <= as_of)
    return query.subquery("latest_outcome")


def follow_up_due(score: type[Score] | AliasedClass[Score]) -> ColumnElement[datetime | None]:
    """The follow-up deadline ``score`` set, if it routed the lead to sales (else null).

    The deadline runs from the score: its time plus its route's hours, stored with it (see
    :func:`store.records.score_rows`). The reports take a lead's first score, what sales
    was told, so a lead the CRM sends in late starts its clock when it is scored.
    """
    return case((score.queue == "sales", score.follow_up_due_at), else_=None)


# A lead that reached a later stage passed the earlier ones: a won lead was accepted.
ACCEPTED_OR_LATER = ("accepted", "opportunity", "won")
OPPORTUNITY_OR_LATER = ("opportunity", "won")


def feedback_summary() -> Subquery:
    """Per lead with any report from sales: first and last report, stages reached (0/1)."""
    e = OutcomeEvent
    reached = func.max(case((e.outcome.in_(ACCEPTED_OR_LATER), 1), else_=0))
    opened = func.max(case((e.outcome.in_(OPPORTUNITY_OR_LATER), 1), else_=0))
    return (
        select(
            e.lead_id,
            func.min(e.occurred_at).label("first_feedback_at"),
            func.max(e.occurred_at).label("last_feedback_at"),
            reached.label("accepted"),
            opened.label("opportunity"),
        )
        .group_by(e.lead_id)
        .subquery("feedback")
    )


def lead_snapshots(as_of: datetime | None = None) -> Select[Any]:
    """One row per lead: its fields and grade as first scored, its latest score and outcome,
    and the stages it reached (``accepted``, ``opportunity``: 1, or None without feedback).

    With ``as_of``, only leads first scored by then and outcomes recorded by then count
    (the latest score is still the latest overall; use it for reports, not for training).
    """
    first = aliased(Score, name="first_score")
    latest = aliased(Score, name="latest_score")
    outcome = latest_outcomes(as_of)
    feedback = feedback_summary()
    query = (
        select(
            Lead.lead_id,
            Lead.created_at,
            Lead.first_scored_at,
            Lead.first_score_id,
            first.fields,
            first.grade.label("first_grade"),
            latest.id.label("score_id"),
            latest.scored_at,
            latest.grade,
            latest.score,
            latest.route,
            latest.queue,
            latest.follow_up_due_at,
            latest.client,
            outcome.c.outcome,
            outcome.c.canonical_reason,
            outcome.c.rating,
            outcome.c.occurred_at.label("outcome_at"),
            feedback.c.accepted,
            feedback.c.opportunity,
        )
        .join(first, first.id == Lead.first_score_id)
        .join(latest, latest.id == Lead.latest_score_id)
        .outerjoin(outcome, and_(outcome.c.lead_id == Lead.lead_id, outcome.c.newest == 1))
        .outerjoin(feedback, feedback.c.lead_id == Lead.lead_id)
        .order_by(Lead.lead_id)
    )
    if as_of is not None:
        query = query.where(Lead.first_scored_at <= as_of)
    return query

"""How scores and outcomes are written: the statements of one write transaction.

A score creates its lead the first time and moves the lead's first and latest score
pointers; an outcome is written only for a lead that was scored. ``LeadStore`` runs these
inside its transactions (and its group writer batches several requests into one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store import events
from store.errors import LeadNotFound
from store.schema import Lead, OutcomeEvent, PersonalWord, Score


def write_outcomes(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert outcome events of leads that were scored; their ids."""
    lead_ids = {row["lead_id"] for row in rows}
    known = set(conn.scalars(select(Lead.lead_id).where(Lead.lead_id.in_(lead_ids))))
    for row in rows:
        if row["lead_id"] not in known:
            raise LeadNotFound(row["lead_id"])
    insert_events = insert(OutcomeEvent).returning(OutcomeEvent.id, sort_by_parameter_order=True)
    return list(conn.execute(insert_events, list(rows)).scalars())


@dataclass(frozen=True)
class ScoreItem:
    """What one scoring request writes, in one transaction."""

    rows: list[dict[str, Any]]  # the score rows
    created: Mapping[str, datetime | None]  # when the CRM says each lead was created
    events: list[dict[str, Any]]  # the webhook events they raise: a stored score has them
    personal_words: list[dict[str, str]]  # digests of the leads' personal words


def write_scores(conn: Connection, items: Sequence[ScoreItem]) -> list[None]:
    """Append the score rows of several requests together (see :func:`append_scores`)."""
    created: dict[str, datetime | None] = {}
    for item in items:
        for lead_id, at in item.created.items():
            created.setdefault(lead_id, at)
    append_scores(conn, [row for item in items for row in item.rows], created)
    words = [word for item in items for word in item.personal_words]
    if words:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(PersonalWord).on_conflict_do_nothing(), words)
    events.add_events(conn, [event for item in items for event in item.events])
    return [None] * len(items)


def personal_words(conn: Connection, lead_id: str) -> set[str]:
    """The digests of the lead's personal words (see :mod:`features.scrubbing`)."""
    query = select(PersonalWord.digest).where(PersonalWord.lead_id == lead_id)
    return set(conn.scalars(query))


def append_scores(
    conn: Connection, rows: list[dict[str, Any]], created: Mapping[str, datetime | None]
) -> None:
    """Insert the scores, creating leads seen for the first time, and move the pointers."""
    # Leads in one order in every transaction, so that two batches with the same leads
    # wait for each other on PostgreSQL instead of deadlocking.
    lead_ids = sorted({row["lead_id"] for row in rows})
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # A lead another transaction is creating right now is no error: its row stands, and the
    # pointer updates below decide which score is first.
    insert_leads = dialect.insert(Lead).on_conflict_do_nothing(index_elements=[Lead.lead_id])
    first_seen: dict[str, datetime] = {}
    for row in rows:
        first_seen.setdefault(row["lead_id"], row["scored_at"])
    conn.execute(
        insert_leads,
        [
            {
                "lead_id": i,
                "created_at": created.get(i),
                "first_scored_at": first_seen[i],
                "latest_scored_at": first_seen[i],
            }
            for i in lead_ids
        ],
    )
    # Each new score's id comes back with its lead and time, so the rows need not come back
    # in the order sent: asking for that order makes SQLite insert one row per statement.
    insert_scores = insert(Score).returning(Score.id, Score.lead_id, Score.scored_at)
    pointers = [
        {"lid": lead_id, "sid": score_id, "at": at}
        for score_id, lead_id, at in conn.execute(insert_scores, rows)
    ]
    # By lead (one lock order), then id: a lead's scores move its pointers in the order they
    # were stored, so on a tie the one stored last is latest, as a lead's history reads it.
    pointers.sort(key=lambda p: (str(p["lid"]), p["sid"]))
    conn.execute(_MOVE_FIRST, pointers)
    conn.execute(_MOVE_LATEST, pointers)


# A new score becomes the lead's first if none is earlier, and its latest if none is later
# (on a tie, the one stored last). Being conditional, the updates stay right when
# concurrent transactions score the same lead: PostgreSQL re-checks the condition on the
# row as committed by the other transaction.
_MOVE_FIRST = (
    update(Lead)
    .where(Lead.lead_id == bindparam("lid"))
    .where(or_(Lead.first_score_id.is_(None), Lead.first_scored_at > bindparam("at")))
    .values(first_score_id=bindparam("sid"), first_scored_at=bindparam("at"))
)
_MOVE_LATEST = (
    update(Lead)
    .where(Lead.lead_id == bindparam("lid"))
    .where(or_(Lead.latest_score_id.is_(None), Lead.latest_scored_at <= bindparam("at")))
    .values(latest_score_id=bindparam("sid"), latest_scored_at=bindparam("at"))
)

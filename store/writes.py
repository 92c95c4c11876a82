"""How scores and outcomes are written: the statements of one write transaction.

A score creates its lead the first time and moves the lead's first and latest score
pointers; an outcome is written only for a lead that was scored. ``LeadStore`` runs these
inside its transactions (and its group writer batches several requests into one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store import events
from store.errors import LeadNotFound
from store.schema import Lead, OutcomeEvent, Score


def write_outcomes(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert outcome events of leads that were scored; their ids."""
    lead_ids = {row["lead_id"] for row in rows}
    known = set(conn.scalars(select(Lead.lead_id).where(Lead.lead_id.in_(lead_ids))))
    for row in rows:
        if row["lead_id"] not in known:
            raise LeadNotFound(row["lead_id"])
    insert_events = insert(OutcomeEvent).returning(OutcomeEvent.id, sort_by_parameter_order=True)
    return list(conn.execute(insert_events, list(rows)).scalars())


# The score rows of one request, when the CRM says each of its leads was created, and the
# webhook events they raise (written in the same transaction: a stored score has them).
ScoreItem = tuple[list[dict[str, Any]], Mapping[str, datetime | None], list[dict[str, Any]]]


def write_scores(conn: Connection, items: Sequence[ScoreItem]) -> list[None]:
    """Append the score rows of several requests together (see :func:`append_scores`)."""
    created: dict[str, datetime | None] = {}
    for _, times, _ in items:
        for lead_id, at in times.items():
            created.setdefault(lead_id, at)
    append_scores(conn, [row for rows, _, _ in items for row in rows], created)
    events.add_events(conn, [event for _, _, raised in items for event in raised])
    return [None] * len(items)


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
    insert_scores = insert(Score).returning(Score.id, sort_by_parameter_order=True)
    score_ids = conn.execute(insert_scores, rows).scalars()
    pointers = [
        {"lid": row["lead_id"], "sid": score_id, "at": row["scored_at"]}
        for row, score_id in zip(rows, score_ids, strict=True)
    ]
    pointers.sort(key=lambda p: str(p["lid"]))  # stable: a lead's scores keep their order
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

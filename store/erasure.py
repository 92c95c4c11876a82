"""Erasure of a lead's personal data, on request (GDPR art. 17) or after the retention period.

What stays is anonymous and still needed for training and the reports: the fields as
scored (already without emails, names and phones; see :mod:`store.privacy`), grades,
routes, times, outcomes and their canonical reasons. What goes: the lead's id (its rows
now carry a random pseudonym), the explanations (they quote values), sales' free-text
reasons and notes, the digests of its personal words, and the idempotency keys and body
digests of its outcomes. The erasure itself is recorded (when, by whom, on what basis),
without the id.

On SQLite, the erasing connection overwrites what it deletes (``secure_delete``) and the
write-ahead log is checkpointed and truncated afterwards, so the old values are not left
in the file or its log.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from store.engine import write_transaction
from store.errors import LeadNotFound
from store.events import EVENT_TYPES, event_id
from store.schema import Erasure, Lead, OutcomeEvent, PersonalWord, Score, WebhookDelivery

ERASED_PREFIX = "erased-"


class ErasureReceipt(BaseModel):
    """What was erased: the id as it was sent, when, and how many rows were made anonymous."""

    lead_id: str
    erased_at: datetime
    scores: int
    outcomes: int


def erase_lead(engine: Engine, lead_id: str, *, requested_by: str) -> ErasureReceipt:
    """Erase one lead's personal data; :class:`LeadNotFound` if the store never had it."""
    with write_transaction(engine) as conn:
        _overwrite_deleted(conn)
        receipt = _erase(conn, lead_id, requested_by=requested_by, basis="request")
    checkpoint(engine)
    return receipt


def erase_older_than(engine: Engine, cutoff: datetime, *, requested_by: str) -> int:
    """Erase every lead first scored before ``cutoff`` (not erased yet); how many were."""
    with write_transaction(engine) as conn:
        _overwrite_deleted(conn)
        old = conn.execute(
            select(Lead.lead_id).where(
                Lead.first_scored_at < cutoff, ~Lead.lead_id.startswith(ERASED_PREFIX)
            )
        ).scalars()
        erased = [_erase(conn, i, requested_by=requested_by, basis="retention") for i in old]
    checkpoint(engine)
    return len(erased)


def _erase(conn: Connection, lead_id: str, *, requested_by: str, basis: str) -> ErasureReceipt:
    lead = conn.execute(select(Lead.__table__).where(Lead.lead_id == lead_id)).mappings().first()
    if lead is None or lead_id.startswith(ERASED_PREFIX):
        raise LeadNotFound(lead_id, "there is nothing to erase")
    pseudonym = f"{ERASED_PREFIX}{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    conn.execute(insert(Lead).values({**lead, "lead_id": pseudonym}))
    scores = 0
    for row in conn.execute(select(Score.id, Score.fields).where(Score.lead_id == lead_id)):
        fields = _without_id(row.fields, lead_id, pseudonym)
        conn.execute(
            update(Score)
            .where(Score.id == row.id)
            .values(lead_id=pseudonym, fields=fields, reasons=None)
        )
        scores += 1
    outcomes = conn.execute(
        update(OutcomeEvent)
        .where(OutcomeEvent.lead_id == lead_id)
        .values(lead_id=pseudonym, reason=None, note=None, idempotency_key=None, body_hash="")
    ).rowcount
    conn.execute(delete(PersonalWord).where(PersonalWord.lead_id == lead_id))
    conn.execute(delete(Lead).where(Lead.lead_id == lead_id))
    # Webhook events name the lead by its id; an event id is derived from it (store.events).
    events = [event_id(kind, lead_id) for kind in EVENT_TYPES]
    conn.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(events)))
    record = {"pseudonym": pseudonym, "erased_at": now, "requested_by": requested_by}
    counts = {"scores": scores, "outcomes": outcomes}
    conn.execute(insert(Erasure).values(**record, basis=basis, **counts))
    return ErasureReceipt(lead_id=lead_id, erased_at=now, **counts)


def _without_id(fields: Mapping[str, Any], lead_id: str, pseudonym: str) -> dict[str, Any]:
    return {k: pseudonym if v == lead_id else v for k, v in fields.items()}


def erasure_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Erasure)).scalar_one())


def _overwrite_deleted(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def checkpoint(engine: Engine) -> None:
    """Move the SQLite log into the file and truncate it (PostgreSQL: nothing to do here)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()

"""Webhook events as outbox rows: what happened to a lead, once per lead and kind.

Pure row building and the one insert, shared by the score write (which adds a lead routed
to sales in the same transaction as its score) and :class:`store.outbox.Outbox`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from store.schema import WebhookDelivery

ROUTED = "lead.routed_to_sales"
OVERDUE = "lead.follow_up_overdue"
EVENT_TYPES = (ROUTED, OVERDUE)
_NAMESPACE = uuid.UUID("6f1d3c1e-4c55-4e38-9a43-3e1f0a8f6d21")


@dataclass(frozen=True)
class Delivery:
    """One event for one target, as claimed by a sender."""

    id: int
    event_id: str
    event_type: str
    target: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


def event_id(event_type: str, lead_id: str) -> str:
    """The event's id: the same for the same lead and kind, whoever computes it."""
    return str(uuid.uuid5(_NAMESPACE, f"{event_type}:{lead_id}"))


def routed_rows(
    scores: Iterable[Mapping[str, Any]], targets: Mapping[str, frozenset[str]]
) -> list[dict[str, Any]]:
    """Outbox rows for the scores among ``scores`` (``scores`` rows) that route to sales."""
    wanting = [url for url, kinds in targets.items() if ROUTED in kinds]
    rows = []
    for score in scores:
        if score["queue"] != "sales" or not wanting:
            continue
        lead = {
            "lead_id": score["lead_id"],
            "grade": score["grade"],
            "score": score["score"],
            "route": score["route"],
            "client": score["client"],
            "scored_at": score["scored_at"].isoformat(),
            "follow_up_due_at": _iso(score["follow_up_due_at"]),
        }
        rows += event_rows(ROUTED, score["lead_id"], lead, wanting, score["scored_at"])
    return rows


def event_rows(
    kind: str, lead_id: str, lead: dict[str, Any], targets: Sequence[str], at: datetime
) -> list[dict[str, Any]]:
    eid = event_id(kind, lead_id)
    payload = {"event_id": eid, "type": kind, "occurred_at": at.isoformat(), "lead": lead}
    return [
        {
            "event_id": eid,
            "event_type": kind,
            "target": url,
            "payload": payload,
            "created_at": at,
            "next_attempt_at": at,
            "attempts": 0,
        }
        for url in targets
    ]


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbox rows; an event already there for a target is left as it is."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(WebhookDelivery).on_conflict_do_nothing(
        index_elements=[WebhookDelivery.event_id, WebhookDelivery.target]
    )
    conn.execute(insert, list(rows))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()

"""The webhook outbox: events for sales, kept in the lead store until a sender delivers them.

A lead routed to sales is put in the outbox in the same transaction as its score, so an
acknowledged score never loses its event (a backfilled score, history, raises none); a
lead whose deadline passed without feedback (:func:`store.overdue.overdue`: the deadline
its first score set) is put there by :meth:`Outbox.collect_overdue`. Each event has one
id, derived from the lead (once per lead and kind: a retry or a second scoring adds
nothing), and one row per target URL. Senders claim due rows with a lease: on PostgreSQL
with ``FOR UPDATE SKIP LOCKED``, so several senders share the work without waiting on each
other; on SQLite the claim is one write transaction, so one sender at a time per store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, or_, select, update

from store.engine import write_transaction
from store.events import OVERDUE, Delivery, add_events, event_rows
from store.overdue import overdue
from store.schema import WebhookDelivery
from store.store import LeadStore


class Outbox:
    """The outbox of one lead store, for the configured targets (URL → event types)."""

    def __init__(self, store: LeadStore, targets: Mapping[str, frozenset[str]]) -> None:
        self.store = store
        self.targets = dict(targets)

    def collect_overdue(self, now: datetime, max_age: timedelta) -> int:
        """Add an event for each lead whose deadline passed within ``max_age`` unanswered."""
        wanting = [url for url, kinds in self.targets.items() if OVERDUE in kinds]
        if not wanting:
            return 0
        late = [lead for lead in overdue(self.store, now=now) if lead.due_at >= now - max_age]
        rows = [
            row
            for lead in late
            for row in event_rows(OVERDUE, lead.lead_id, lead.model_dump(mode="json"), wanting, now)
        ]
        with write_transaction(self.store.engine) as conn:
            add_events(conn, rows)
        return len(late)

    def claim(self, now: datetime, lease: timedelta, limit: int = 50) -> list[Delivery]:
        """Due, undelivered rows nobody else holds, leased to the caller until ``now + lease``."""
        w = WebhookDelivery
        due = (
            select(w)
            .where(w.delivered_at.is_(None), w.given_up_at.is_(None), w.next_attempt_at <= now)
            .where(or_(w.claimed_until.is_(None), w.claimed_until < now))
            .order_by(w.next_attempt_at, w.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite has no row locks: its claim is serial
        )
        with write_transaction(self.store.engine) as conn:
            rows = conn.execute(due).mappings().all()
            ids = [row["id"] for row in rows]
            if ids:
                conn.execute(update(w).where(w.id.in_(ids)).values(claimed_until=now + lease))
            return [_delivery(row) for row in rows]

    def delivered(self, delivery: Delivery, now: datetime) -> None:
        self._set(delivery, delivered_at=now, attempts=delivery.attempts + 1, claimed_until=None)

    def failed(
        self, delivery: Delivery, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt at ``now``; retry at ``retry_at``, or give up if None."""
        values: dict[str, Any] = {
            "attempts": delivery.attempts + 1,
            "last_error": error[:2000],
            "claimed_until": None,
        }
        if retry_at is None:
            values["given_up_at"] = now
        else:
            values["next_attempt_at"] = retry_at
        self._set(delivery, **values)

    def _set(self, delivery: Delivery, **values: Any) -> None:
        w = WebhookDelivery
        with write_transaction(self.store.engine) as conn:
            conn.execute(update(w).where(w.id == delivery.id).values(**values))


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(**{name: row[name] for name in Delivery.__dataclass_fields__})

"""Errors of the lead store, each with a stable ``code`` for the HTTP layer."""

from __future__ import annotations

from features.errors import LeadgradeError


class LeadNotFound(LeadgradeError, LookupError):
    """The lead id has never been scored, so the store knows nothing about it."""

    code = "lead_not_found"

    def __init__(
        self, lead_id: str, consequence: str = "an outcome cannot be recorded for it"
    ) -> None:
        super().__init__(
            f"lead {lead_id!r} was never scored, so {consequence}; "
            "score it first (POST /v1/leads/score)",
            lead_id=lead_id,
        )
        self.lead_id = lead_id


class IdempotencyConflict(LeadgradeError):
    """An idempotency key was reused with a different request body."""

    code = "idempotency_conflict"

    def __init__(self, key: str, *, event_id: int) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different request "
            f"(event {event_id}); send the same body to retry, or use a new key for a new event",
            idempotency_key=key,
            event_id=event_id,
        )
        self.idempotency_key = key
        self.event_id = event_id


class StoreUnwritable(LeadgradeError):
    """The store cannot keep a write: its file vanished or was replaced, or it is read-only."""

    code = "store_unavailable"


class StoreMissing(LeadgradeError):
    """A store that the ledger says existed is gone or empty (see :mod:`store.ledger`)."""

    code = "store_missing"

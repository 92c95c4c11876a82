"""Pushes to sales: the webhook sender that empties the lead store's outbox.

Each event is POSTed as JSON to every target that wants it, with these headers:

- ``X-Leadgrade-Event``: the event type (``lead.routed_to_sales``, ``lead.follow_up_overdue``);
- ``X-Leadgrade-Event-Id``: the event's id, the same on every retry and for every target:
  the receiver's key for dropping duplicates (delivery is at least once);
- ``X-Leadgrade-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body, keyed
  with the target's shared secret; the receiver recomputes it over the bytes it received.

A 2xx answer delivers the event. Anything else (an error status, a refused connection, a
timeout) is retried with exponential backoff (``FIRST_RETRY`` doubling up to
``LONGEST_WAIT``) until ``retry_for`` after the event, then given up and kept in the
outbox with its last error. Scoring never waits for a receiver: events are only written
to the outbox with the score, and this sender runs beside the requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import anyio.to_thread
import httpx
from pydantic import SecretStr

from serving.settings import ServeSettings
from store import LeadStore
from store.events import Delivery
from store.outbox import Outbox

log = logging.getLogger("leadgrade.webhooks")

SIGNATURE_HEADER = "X-Leadgrade-Signature"
EVENT_ID_HEADER = "X-Leadgrade-Event-Id"
EVENT_TYPE_HEADER = "X-Leadgrade-Event"
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
OVERDUE_SCAN = timedelta(minutes=1)
Clock = Callable[[], datetime]


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 10 s, 20 s, 40 s, ... at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_WAIT)


def body_of(delivery: Delivery) -> bytes:
    """The JSON body: the same bytes on every attempt, so the same signature."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


def start_sender(store: LeadStore, settings: ServeSettings) -> WebhookSender | None:
    """The sender for the configured targets, or None without any; the store then adds a
    lead routed to sales to the outbox with its score."""
    if not settings.webhooks:
        return None
    targets: dict[str, frozenset[str]] = {
        str(t.url): frozenset(t.events) for t in settings.webhooks
    }
    store.webhook_targets = targets
    secrets = {str(t.url): t.secret for t in settings.webhooks}
    client = httpx.Client(timeout=10.0, follow_redirects=False)
    retry_for = timedelta(hours=settings.webhook_retry_hours)
    return WebhookSender(Outbox(store, targets), secrets, client=client, retry_for=retry_for)


async def send_forever(sender: WebhookSender, every: float) -> None:
    """Run the sender off the event loop every ``every`` seconds until cancelled."""
    while True:
        try:
            await anyio.to_thread.run_sync(sender.run_once)
        except Exception:  # a broken round must not end the pushes: log it, try again later
            log.exception("the webhook sender failed; retrying in %.0f s", every)
        await asyncio.sleep(every)


class WebhookSender:
    """Claims due events from the outbox, posts them and records the answer."""

    def __init__(
        self,
        outbox: Outbox,
        secrets: Mapping[str, SecretStr],
        *,
        client: httpx.Client,
        clock: Clock = lambda: datetime.now(UTC),
        retry_for: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.outbox = outbox
        self.secrets = dict(secrets)
        self.client = client
        self.clock = clock
        self.retry_for = retry_for
        self.lease = lease
        self._scanned_at: datetime | None = None

    def run_once(self) -> int:
        """One round: add newly overdue leads (each minute), post what is due; delivered count."""
        now = self.clock()
        if self._scanned_at is None or now - self._scanned_at >= OVERDUE_SCAN:
            self.outbox.collect_overdue(now, self.retry_for)
            self._scanned_at = now
        return sum(self._send(delivery) for delivery in self.outbox.claim(now, self.lease))

    def _send(self, delivery: Delivery) -> bool:
        secret = self.secrets.get(delivery.target)
        if secret is None:  # the target was removed from the settings
            self.outbox.failed(delivery, "no longer a configured target", self.clock(), None)
            return False
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json",
            EVENT_TYPE_HEADER: delivery.event_type,
            EVENT_ID_HEADER: delivery.event_id,
            SIGNATURE_HEADER: sign(secret.get_secret_value(), body),
        }
        try:
            response = self.client.post(delivery.target, content=body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        if error is None:
            self.outbox.delivered(delivery, now)
            return True
        retry_at = now + backoff(delivery.attempts + 1)
        give_up = retry_at > delivery.created_at + self.retry_for
        log.warning("webhook %s to %s failed: %s", delivery.event_id, delivery.target, error)
        self.outbox.failed(delivery, error, now, None if give_up else retry_at)
        return False

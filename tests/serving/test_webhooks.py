"""Webhooks to a real receiver on 127.0.0.1, with an injectable clock, on both backends.

Every event id arrives, signed; a failing receiver gets retries with backoff; a restart
mid-retry still delivers; two senders never claim the same row; scoring does not wait for
a receiver that is down.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from serving.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, WebhookSender
from store import LeadStore, OutcomeIn
from store.events import OVERDUE, ROUTED, event_id
from store.outbox import Outbox
from store.schema import WebhookDelivery
from tests.helpers import free_port
from tests.serving.support import LEAD

SECRET = "webhook-secret-0123456789"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOTH = frozenset({ROUTED, OVERDUE})


class Receiver:
    """An HTTP receiver that records each POST and answers with scripted statuses."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: deque[int] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.popleft() if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> list[str]:
        return [headers[EVENT_ID_HEADER] for headers, _ in self.received]


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_sender(store: LeadStore, url: str, clock: Clock) -> WebhookSender:
    store.webhook_targets = {url: BOTH}
    client = httpx.Client(timeout=5)
    return WebhookSender(
        Outbox(store, {url: BOTH}), {url: SecretStr(SECRET)}, client=client, clock=clock
    )


def score(store, spec, demo_lead, score_result, lead_id, grade, at=T0):
    store.record_scores(
        spec,
        [demo_lead(lead_id, created_at=None)],
        [score_result(lead_id, grade)],
        client="crm",
        scored_at=at,
    )


@pytest.fixture
def scored(store, store_spec, demo_lead, score_result):
    return lambda lead_id, grade, at=T0: score(
        store, store_spec, demo_lead, score_result, lead_id, grade, at
    )


def test_every_event_id_arrives_once_and_signed(store, scored, receiver):
    sender = make_sender(store, receiver.url, Clock(T0))
    for i, grade in enumerate("AABBBCD"):
        scored(f"L{i}", grade)
    scored("L0", "A", T0 + timedelta(minutes=1))  # a second scoring raises no new event

    assert sender.run_once() == 5
    assert sender.run_once() == 0
    assert sorted(receiver.ids()) == sorted(event_id(ROUTED, f"L{i}") for i in range(5))
    for headers, body in receiver.received:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
        event = json.loads(body)
        assert event["event_id"] == headers[EVENT_ID_HEADER]
        assert event["type"] == ROUTED
        assert event["lead"]["route"]["queue"] == "sales"
        assert "email" not in json.dumps(event)


def test_a_failing_receiver_gets_retries_with_backoff(store, scored, receiver):
    clock = Clock(T0)
    sender = make_sender(store, receiver.url, clock)
    scored("L1", "A")
    receiver.statuses.extend([500, 503])

    for seconds, sent in [(0, 1), (5, 1), (11, 2), (25, 2), (32, 3), (100, 3)]:
        clock.now = T0 + timedelta(seconds=seconds)
        sender.run_once()
        assert len(receiver.received) == sent, f"after {seconds} s"
    assert set(receiver.ids()) == {event_id(ROUTED, "L1")}
    assert len({body for _, body in receiver.received}) == 1  # the same bytes, the same signature


def test_a_restart_mid_retry_still_delivers(store_url, store, scored, receiver):
    first = make_sender(store, receiver.url, Clock(T0))
    scored("L1", "B")
    receiver.statuses.append(500)
    first.run_once()
    store.dispose()

    restarted = LeadStore(store_url)
    try:
        assert (
            make_sender(restarted, receiver.url, Clock(T0 + timedelta(seconds=11))).run_once() == 1
        )
    finally:
        restarted.dispose()
    assert receiver.ids() == [event_id(ROUTED, "L1")] * 2


def test_a_backfilled_lead_is_history_and_raises_no_event(
    store, store_spec, demo_lead, score_result, scored, receiver
):
    sender = make_sender(store, receiver.url, Clock(T0))
    created = (T0 - timedelta(days=30)).isoformat()  # overdue for weeks: not news either
    store.record_scores(
        store_spec,
        [demo_lead("old", created_at=created)],
        [score_result("old", "A")],
        client="crm",
        scored_at=T0,
        backfill=True,
    )
    scored("new", "A")

    sender.run_once()
    assert receiver.ids() == [event_id(ROUTED, "new")]


def test_an_unanswered_lead_raises_one_overdue_event(store, scored, receiver):
    now = T0 + timedelta(hours=30)
    sender = make_sender(store, receiver.url, Clock(now))
    scored("late", "A")  # due at T0 + 24 h, six hours ago
    scored("answered", "A")
    store.record_outcome(
        "answered",
        OutcomeIn(outcome="accepted", occurred_at=T0),
        client="crm",
        idempotency_key=None,
    )
    scored("ancient", "A", T0 - timedelta(days=5))  # overdue for days: not news any more

    sender.run_once()
    overdue = [
        json.loads(body)
        for headers, body in receiver.received
        if json.loads(body)["type"] == OVERDUE
    ]
    assert [event["lead"]["lead_id"] for event in overdue] == ["late"]
    sender._scanned_at = None
    sender.run_once()
    assert len(receiver.received) == 4  # three leads routed to sales, one overdue: no repeat


def test_two_senders_never_claim_the_same_row(store_url, store, scored, receiver):
    make_sender(store, receiver.url, Clock(T0))
    for i in range(40):
        scored(f"L{i}", "A")
    stores = [LeadStore(store_url) for _ in range(2)]
    try:
        outboxes = [Outbox(s, {receiver.url: BOTH}) for s in stores]
        with ThreadPoolExecutor(2) as pool:
            claims = list(pool.map(lambda o: o.claim(T0, timedelta(minutes=2), limit=25), outboxes))
    finally:
        for s in stores:
            s.dispose()
    ids = [d.event_id for claim in claims for d in claim]
    assert len(ids) == len(set(ids))
    assert len(ids) == 40


def test_a_lead_is_scored_normally_while_the_receiver_is_down(make_client, store_url):
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    hooks = [{"url": down, "secret": SECRET}]
    api = make_client(webhooks=hooks, webhook_poll_seconds=0.05)

    response = api.post(
        "/v1/leads/score", json={**LEAD, "job_title": "CEO", "demo_requested": True}
    )
    assert response.status_code == 200

    assert response.json()["route"]["queue"] == "sales"  # hooli.com is a target account

    store = LeadStore(store_url)
    try:
        make_sender(store, down, Clock(datetime.now(UTC) + timedelta(hours=2))).run_once()
        with store.engine.connect() as conn:
            (row,) = conn.execute(select(WebhookDelivery)).mappings().all()
        assert (row["target"], row["delivered_at"]) == (down, None)
        assert row["attempts"] >= 1
        assert "ConnectError" in row["last_error"]
    finally:
        store.dispose()

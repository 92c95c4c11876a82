"""An acknowledged outcome survives the server being killed: SIGKILL mid-stream, restart, check.

The real server process (``leadgrade serve``) on a tiny model from a model folder, with the
lead store on SQLite and on PostgreSQL.
"""

import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from features.spec import demo_spec
from models.saved import save_scorer
from store.schema import OutcomeEvent
from tests.helpers import server, tiny_training
from training.demo_data import generate_leads

pytestmark = pytest.mark.e2e

LEADS = 2000
KEY = "durability-{}"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = save_scorer(tiny_training().scorer, tmp_path_factory.mktemp("model") / "tiny")
    return path


@pytest.fixture(scope="module")
def leads() -> list[dict]:
    spec = demo_spec()
    frame = generate_leads(LEADS, seed=11)[[spec.lead.id, *spec.feature_fields]]
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def outcome_body(i: int) -> dict:
    if i % 3 == 0:
        return {"outcome": "won", "rating": 4}
    return {"outcome": "lost", "reason": "No budget", "note": f"call {i}"}


def post(client: httpx.Client, lead_id: str, i: int) -> httpx.Response:
    headers = {"Idempotency-Key": KEY.format(lead_id)}
    return client.post(f"/v1/leads/{lead_id}/outcome", json=outcome_body(i), headers=headers)


def stream_outcomes(
    url: str, ids: list[str], acked: dict[str, int], halfway: threading.Event
) -> None:
    """Post every outcome once, in order; note what the server acknowledged (2xx)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for i, lead_id in enumerate(ids):
            try:
                response = post(client, lead_id, i)
            except httpx.TransportError:
                continue  # the server is gone: not acknowledged
            if response.is_success:
                acked[lead_id] = response.json()["event_id"]
            if len(acked) == len(ids) // 2:
                halfway.set()
    halfway.set()


def stored_events(store_url: str) -> dict[str, tuple[int, str]]:
    """idempotency key → (event id, lead id) of every stored outcome."""
    engine = create_engine(store_url, poolclass=NullPool)
    query = select(OutcomeEvent.idempotency_key, OutcomeEvent.id, OutcomeEvent.lead_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    engine.dispose()
    assert len(rows) == len({key for key, _, _ in rows}), "a key was stored twice"
    return {key: (event_id, lead_id) for key, event_id, lead_id in rows}


def test_every_acknowledged_outcome_survives_a_sigkill(store_url, model_file, leads, tmp_path):
    ids = [str(lead["lead_id"]) for lead in leads]
    acked: dict[str, int] = {}
    halfway = threading.Event()

    with server(store_url, model_file, tmp_path) as (url, proc):
        for start in range(0, LEADS, 1000):
            scored = httpx.post(
                f"{url}/v1/leads/score", json=leads[start : start + 1000], timeout=60
            )
            assert scored.status_code == 200, scored.text
        client = threading.Thread(target=stream_outcomes, args=(url, ids, acked, halfway))
        client.start()
        assert halfway.wait(timeout=300)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        client.join(timeout=300)

    assert 0 < len(acked) < LEADS, "the server was not killed midway through the stream"
    stored = stored_events(store_url)
    lost = {i for i, event in acked.items() if stored.get(KEY.format(i)) != (event, i)}
    assert not lost, f"{len(lost)} acknowledged outcomes were lost, e.g. {sorted(lost)[:3]}"

    with (
        server(store_url, model_file, tmp_path) as (url, _),
        httpx.Client(base_url=url) as http,
        ThreadPoolExecutor(8) as pool,
    ):
        answers = pool.map(lambda i: post(http, ids[i], i), range(LEADS))
        retried = dict(zip(ids, answers, strict=True))

    assert {r.status_code for i, r in retried.items() if i in acked} == {200}
    assert all(retried[i].json()["event_id"] == event for i, event in acked.items())
    assert {r.status_code for i, r in retried.items() if i not in acked} <= {200, 201}
    final = stored_events(store_url)
    assert set(final) == {KEY.format(i) for i in ids}
    assert all(final[KEY.format(i)] == (r.json()["event_id"], i) for i, r in retried.items())

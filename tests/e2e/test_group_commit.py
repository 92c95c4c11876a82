"""Group commit keeps every acknowledged score: SIGKILL the server during a concurrent burst.

Sixteen clients score one lead a request at once, so the store's writer commits many
requests per transaction; the server is killed mid-burst, and every score it answered
must be in the store, as answered.
"""

import signal
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from features.spec import demo_spec
from models.saved import save_scorer
from store.schema import Score
from tests.e2e.test_durability import server
from tests.helpers import tiny_training
from training.demo_data import generate_leads

pytestmark = pytest.mark.e2e

CLIENTS = 16
LEADS = 4000
KILL_AFTER = 400


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = save_scorer(tiny_training().scorer, tmp_path_factory.mktemp("model") / "tiny")
    return path


@pytest.fixture(scope="module")
def leads() -> list[dict]:
    spec = demo_spec()
    frame = generate_leads(LEADS, seed=21)[[spec.lead.id, *spec.feature_fields]]
    frame[spec.lead.id] = [f"burst-{i}" for i in range(LEADS)]
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def burst(url: str, mine: list[dict], acked: dict[str, tuple[float, str]], enough) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for lead in mine:
            try:
                response = client.post("/v1/leads/score", json=lead)
            except httpx.TransportError:
                return  # the server is gone: nothing more is acknowledged
            if response.status_code == 200:
                body = response.json()
                acked[body["lead_id"]] = (body["score"], body["grade"])
                if len(acked) >= KILL_AFTER:
                    enough.set()


def stored_scores(store_url: str) -> dict[str, tuple[float, str]]:
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(select(Score.lead_id, Score.score, Score.grade)).all()
    engine.dispose()
    return {lead_id: (score, grade) for lead_id, score, grade in rows}


def test_every_acknowledged_score_of_a_concurrent_burst_survives_a_sigkill(
    store_url, model, leads, tmp_path
):
    acked: dict[str, tuple[float, str]] = {}
    enough = threading.Event()
    with server(store_url, model, tmp_path) as (url, proc):
        clients = [
            threading.Thread(target=burst, args=(url, leads[i::CLIENTS], acked, enough))
            for i in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        assert enough.wait(timeout=300), "the burst was too slow to reach the kill point"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for client in clients:
            client.join(timeout=60)

    assert KILL_AFTER <= len(acked) < LEADS, "the server was not killed during the burst"
    stored = stored_scores(store_url)
    lost = {lead_id for lead_id, answer in acked.items() if stored.get(lead_id) != answer}
    assert not lost, f"{len(lost)} acknowledged scores were lost, e.g. {sorted(lost)[:3]}"

"""Safe swaps: under load nothing fails; a broken champion is refused; a restart falls back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from models.history import ChampionChange, record_change
from models.registry import CHAMPION
from serving.app import create_app
from serving.settings import ServeSettings
from tests.helpers import tiny_training
from tests.serving.support import LEAD, error, live_server
from training.settings import TrainSettings
from training.tracking import log_training

LOAD_SECONDS = 6.0
MAX_REQUESTS = 3000
WORKERS = 4


@dataclass(frozen=True)
class Registry:
    settings: TrainSettings
    client: MlflowClient
    versions: list[str]  # two good versions, then one whose booster file is altered

    def make_champion(self, version: str, action: str = "promote") -> None:
        name = self.settings.model_name
        previous = self.champion()
        self.client.set_registered_model_alias(name, CHAMPION, version)
        change = ChampionChange(datetime.now(UTC), action, version, previous, "test", action)
        record_change(self.client, name, change)

    def champion(self) -> str | None:
        try:
            mv = self.client.get_model_version_by_alias(self.settings.model_name, CHAMPION)
        except Exception:
            return None
        return str(mv.version)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """Three registered versions of one tiny real model (logged, not retrained)."""
    home = tmp_path_factory.mktemp("swap")
    settings = TrainSettings(home=home)
    result = tiny_training()
    versions = [log_training(result, settings, spec_text=None, extra_params={}).version
                for _ in range(3)]  # fmt: skip
    newest = max(home.glob("mlartifacts/**/booster.txt"), key=lambda p: p.stat().st_mtime)
    newest.write_text(newest.read_text().replace("tree\n", "tree \n", 1))
    return Registry(settings, MlflowClient(settings.mlflow_uri, settings.mlflow_uri), versions)


def serve_settings(registry: Registry) -> ServeSettings:
    return ServeSettings(home=registry.settings.home, model_poll_seconds=0)


@dataclass(frozen=True)
class Answer:
    started: float
    status: int
    version: str | None


def load(url: str, stop: threading.Event, answers: list[Answer]) -> None:
    """One worker of the bounded load generator: single leads and batches of five."""
    with httpx.Client(base_url=url, timeout=30) as http:
        i = 0
        while not stop.is_set() and len(answers) < MAX_REQUESTS:
            one = i % 2 == 1
            body = LEAD if one else [{**LEAD, "lead_id": f"L-{i}-{k}"} for k in range(5)]
            started = time.monotonic()
            r = http.post("/v1/leads/score" if one else "/v1/leads/score/batch", json=body)
            answer = r.json() if r.status_code == 200 else {"scores": []}
            results = [answer] if one and r.status_code == 200 else answer["scores"]
            versions = {res["model"]["version"] for res in results}
            assert len(versions) <= 1, "a batch was scored by two versions"
            answers.append(Answer(started, r.status_code, next(iter(versions), None)))
            i += 1


def test_a_swap_under_load_loses_no_request(registry: Registry) -> None:
    old, new, _ = registry.versions
    registry.make_champion(old)
    answers: list[Answer] = []
    stop = threading.Event()
    with live_server(create_app(serve_settings(registry))) as url:
        workers = [threading.Thread(target=load, args=(url, stop, answers)) for _ in range(WORKERS)]
        for w in workers:
            w.start()
        time.sleep(LOAD_SECONDS / 3)
        registry.make_champion(new)
        reload = httpx.post(f"{url}/v1/admin/reload", timeout=120)
        swapped_at = time.monotonic()
        time.sleep(LOAD_SECONDS / 2)
        stop.set()
        for w in workers:
            w.join(timeout=60)

    assert reload.status_code == 200, reload.text
    assert reload.json()["swapped"] is True
    assert [a for a in answers if a.status != 200] == []
    assert {a.version for a in answers} == {old, new}
    assert {a.version for a in answers if a.started > swapped_at} == {new}
    print(f"\nswap under load: {len(answers)} requests, 0 failed")


@pytest.fixture
def serving_new(registry: Registry) -> Iterator[TestClient]:
    """A service on the second good version, as the champion."""
    registry.make_champion(registry.versions[1])
    with TestClient(create_app(serve_settings(registry))) as client:
        assert client.get("/ready").json()["model"]["version"] == registry.versions[1]
        yield client


def test_a_broken_champion_is_refused_and_the_old_one_keeps_serving(
    registry: Registry, serving_new: TestClient
) -> None:
    good, broken = registry.versions[1], registry.versions[2]
    registry.make_champion(broken)

    refused = serving_new.post("/v1/admin/reload")

    assert refused.status_code == 409
    assert error(refused)["code"] == "model_refused"
    assert "booster.txt: checksum does not match" in error(refused)["message"]
    ready = serving_new.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["model"]["version"] == good
    assert (body["alias_version"], body["degraded"]) == (broken, True)
    assert "booster.txt" in body["last_error"]
    model = serving_new.get("/v1/model").json()
    assert model["serving"]["degraded"] is True
    assert serving_new.post("/v1/leads/score", json=LEAD).json()["model"]["version"] == good


def test_a_restart_with_a_broken_champion_serves_the_earlier_champion(registry: Registry) -> None:
    good, broken = registry.versions[1], registry.versions[2]
    registry.make_champion(good)
    registry.make_champion(broken)

    with TestClient(create_app(serve_settings(registry))) as client:
        body = client.get("/ready").json()
        assert client.get("/ready").status_code == 200
        assert body["model"]["version"] == good
        assert body["degraded"] is True
        assert "booster.txt" in body["last_error"]
        scored = client.post("/v1/leads/score", json=LEAD).json()
        assert scored["model"]["version"] == good


def test_with_no_loadable_version_the_service_is_not_ready(
    registry: Registry, tmp_path: Path
) -> None:
    """A champion history that names only the broken version leaves nothing to serve."""
    settings = ServeSettings(
        home=registry.settings.home,
        model_uri=f"models:/{registry.settings.model_name}/{registry.versions[2]}",
        model_poll_seconds=0,
    )
    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "booster.txt" in error(ready)["message"]

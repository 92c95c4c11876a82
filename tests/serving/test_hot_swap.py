"""The service follows the registry's champion alias without a restart."""

import asyncio
import logging
import time

from fastapi.testclient import TestClient
from mlflow import MlflowClient

from serving.app import create_app
from serving.model_source import ModelSource
from serving.settings import ServeSettings
from training.demo_data import generate_leads
from training.from_file import train_from_file
from training.promote import promote
from training.settings import TrainSettings


def test_a_new_champion_is_served_without_a_restart(tmp_path):
    train_settings = TrainSettings(home=tmp_path)
    data = tmp_path / "leads.csv"
    generate_leads(1200, seed=6).to_csv(data, index=False)
    first = train_from_file(data, None, settings=train_settings)
    promote(train_settings, force=True)

    settings = ServeSettings(home=tmp_path, model_poll_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["model"]["version"] == first.version
        second = train_from_file(data, None, settings=train_settings)
        assert promote(train_settings, force=True).promoted
        deadline = time.monotonic() + 30
        served = first.version
        while served != second.version and time.monotonic() < deadline:
            time.sleep(0.2)
            served = client.get("/ready").json()["model"]["version"]
        assert served == second.version
        scored = client.post("/v1/leads/score", json={"lead_id": "x"}).json()
        assert scored["model"]["version"] == second.version


def test_a_champion_that_fails_to_load_is_tried_once_and_the_old_one_keeps_serving(
    tmp_path, caplog
):
    train_settings = TrainSettings(home=tmp_path)
    data = tmp_path / "leads.csv"
    generate_leads(1200, seed=6).to_csv(data, index=False)
    first = train_from_file(data, None, settings=train_settings)
    promote(train_settings, force=True)
    second = train_from_file(data, None, settings=train_settings)
    newest = max(tmp_path.glob("mlartifacts/**/booster.txt"), key=lambda p: p.stat().st_mtime)
    newest.write_bytes(b"not a model")  # the new version's artifact is broken
    client = MlflowClient(tracking_uri=train_settings.mlflow_uri)
    client.set_registered_model_alias("leadgrade", "champion", second.version)

    with TestClient(create_app(ServeSettings(home=tmp_path, model_poll_seconds=0))) as client:
        source = client.app.state.model_source
        # The champion itself is broken: the earlier champion serves, degraded.
        assert (source.current.info.version, source.degraded) == (first.version, True)
    caplog.clear()

    served = ModelSource(f"models:/leadgrade/{first.version}", train_settings.mlflow_uri)
    asyncio.run(served.refresh())
    served.uri = ServeSettings(home=tmp_path).resolved_model_uri  # now follow the champion
    with caplog.at_level(logging.WARNING, logger="leadgrade.model"):
        assert asyncio.run(served.refresh()) is False
        assert asyncio.run(served.refresh()) is False
    assert served.current.info.version == first.version
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refusals) == 1
    assert f"still serving {first.version}" in refusals[0].getMessage()

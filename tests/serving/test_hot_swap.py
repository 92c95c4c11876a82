"""The service follows the registry's champion alias without a restart."""

import time

from fastapi.testclient import TestClient

from serving.app import create_app
from serving.settings import ServeSettings
from training.demo_data import generate_leads
from training.promote import promote
from training.run import train_and_register
from training.settings import TrainSettings


def test_a_new_champion_is_served_without_a_restart(tmp_path):
    train_settings = TrainSettings(home=tmp_path)
    data = tmp_path / "leads.csv"
    generate_leads(1200, seed=6).to_csv(data, index=False)
    first = train_and_register(data, None, settings=train_settings)
    promote(train_settings)

    settings = ServeSettings(home=tmp_path, model_poll_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["model"]["version"] == first.version
        second = train_and_register(data, None, settings=train_settings)
        assert promote(train_settings, force=True).promoted
        deadline = time.monotonic() + 30
        served = first.version
        while served != second.version and time.monotonic() < deadline:
            time.sleep(0.2)
            served = client.get("/ready").json()["model"]["version"]
        assert served == second.version
        scored = client.post("/v1/leads/score", json={"lead_id": "x"}).json()
        assert scored["model"]["version"] == second.version

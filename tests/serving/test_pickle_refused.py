"""A registry version that holds a pickle is refused: the service never unpickles it."""

import asyncio
from pathlib import Path

import mlflow
from fastapi.testclient import TestClient
from mlflow import MlflowClient
from mlflow.pyfunc import PythonModel

from models.registry import CHAMPION
from serving.app import create_app
from serving.settings import ServeSettings
from training.demo_data import generate_leads
from training.from_file import train_from_file
from training.promote import promote
from training.settings import TrainSettings
from training.tracking import use_tracking


class _WritesAFile:
    """Unpickling this writes ``marker``: what a crafted registry artifact could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "code from the registry ran"))


class _CraftedModel(PythonModel):
    def __init__(self, marker: Path) -> None:
        self.payload = _WritesAFile(marker)

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input


def test_a_pickled_champion_is_refused_and_the_old_one_keeps_serving(tmp_path):
    settings = TrainSettings(home=tmp_path)
    data = tmp_path / "leads.csv"
    generate_leads(1200, seed=6).to_csv(data, index=False)
    good = train_from_file(data, None, settings=settings)
    promote(settings, force=True)
    marker = tmp_path / "pwned.txt"

    serve = ServeSettings(home=tmp_path, model_poll_seconds=0)
    with TestClient(create_app(serve)) as client:
        use_tracking(settings)
        with mlflow.start_run():
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=_CraftedModel(marker),
                registered_model_name=settings.model_name,
            )
        crafted = str(info.registered_model_version)
        # MLflow itself unpickles the model once while logging it (in the writer's process).
        marker.unlink(missing_ok=True)
        MlflowClient(settings.mlflow_uri).set_registered_model_alias(
            settings.model_name, CHAMPION, crafted
        )
        source = client.app.state.model_source
        assert asyncio.run(source.refresh()) is False

        assert source.current.info.version == good.version
        assert "no leadgrade model files" in (source.last_error or "")
        scored = client.post("/v1/leads/score", json={"lead_id": "x"})
        assert scored.status_code == 200
        assert scored.json()["model"]["version"] == good.version
    assert not marker.exists()

    with TestClient(create_app(serve)) as restarted:  # a restart does not unpickle it either
        assert restarted.app.state.model_source.last_error is not None
    assert not marker.exists()

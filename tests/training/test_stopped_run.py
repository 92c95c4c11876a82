"""A run stopped by the leakage audit is a FAILED MLflow run with the whole audit table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from features.spec import demo_spec_text
from training.demo_data import generate_leads
from training.from_file import train_from_file
from training.leakage import LeakageError
from training.settings import TrainSettings


def _leaky_export(path: Path) -> Path:
    """Demo leads with a call length and a status tag that sales fill in after contact."""
    leads = generate_leads(1500, seed=17)
    won = (leads["status"] == "won").to_numpy()
    rng = np.random.default_rng(2)
    leads["call_seconds"] = np.where(won, 600, 60) + rng.integers(0, 30, len(leads))
    leads["stage_after_call"] = np.where(won ^ (rng.random(len(leads)) < 0.03), "hot", "cold")
    leads.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainSettings, LeakageError]:
    home = tmp_path_factory.mktemp("lg")
    settings = TrainSettings(home=home / "lg", model_name="stopped")
    spec = home / "spec.toml"
    text = demo_spec_text().replace(
        'categorical = ["industry",', 'categorical = ["stage_after_call", "industry",'
    )
    spec.write_text(
        text.replace('numeric = ["employees",', 'numeric = ["call_seconds", "employees",')
    )
    with pytest.raises(LeakageError) as info:
        train_from_file(_leaky_export(home / "leads.csv"), spec, settings=settings)
    return settings, info.value


def test_the_error_names_every_flagged_field_with_its_own_remedy(
    stopped: tuple[TrainSettings, LeakageError],
) -> None:
    message = stopped[1].message
    assert sorted(stopped[1].details["leaky"]) == ["call_seconds", "stage_after_call"]
    call = message[message.index("'call_seconds'") :].split("\n  - ")[0]
    stage = message[message.index("'stage_after_call'") :].split("\n  - ")[0]
    assert "measured during or after contact" in call
    assert 'features.drop = ["call_seconds"]' in call
    assert "[feedback]" not in call  # a call length is not sales' verdict
    assert '[feedback] (reason = "stage_after_call"' in stage
    assert "--allow-leaky 'stage_after_call' only if it is truly known" in stage


def test_a_stopped_run_is_a_failed_mlflow_run_with_the_whole_audit(
    stopped: tuple[TrainSettings, LeakageError], tmp_path: Path
) -> None:
    settings, error = stopped
    client = MlflowClient(tracking_uri=settings.mlflow_uri)
    run = client.get_run(error.details["run_id"])
    assert run.info.status == "FAILED"
    assert run.data.tags["leadgrade.stopped_by"] == "leakage_audit"
    assert "call_seconds" in run.data.tags["leadgrade.leaky_fields"]
    assert run.data.tags["leadgrade.failure_reason"].startswith("leakage audit: 2 feature(s)")
    path = client.download_artifacts(run.info.run_id, "leakage_audit.json", str(tmp_path))
    table = pd.DataFrame(json.loads(Path(path).read_text())["features"])
    fields = set(table["field"])
    assert {"call_seconds", "stage_after_call", "industry", "email"} <= fields
    assert {"auc", "importance", "after_creation", "flags", "kind"} <= set(table.columns)
    assert client.search_registered_models() == []  # nothing was registered

"""retrain, promote, rollback and models as a scheduler or a data scientist runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from leadgrade.cli import app
from models.history import champion_history
from models.registry import CHALLENGER, CHAMPION
from tests.helpers import tiny_training
from tests.training.test_registry import scrambled_history
from training.demo_data import generate_leads
from training.settings import TrainSettings
from training.tracking import log_training

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("commands")


@pytest.fixture(scope="module")
def data(home: Path) -> Path:
    path = home / "leads.csv"
    generate_leads(1500, seed=4).to_csv(path, index=False)
    return path


def run(home: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {"LEADGRADE_HOME": str(home), "LEADGRADE_ACTOR": "ci", "COLUMNS": "200",
           # these tests are about the comparison, not the absolute calibration ceiling
           "LEADGRADE_PROMOTION_MAX_ECE": "0.5"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def client(home: Path) -> MlflowClient:
    uri = TrainSettings(home=home).mlflow_uri
    return MlflowClient(uri, uri)


def champion(home: Path) -> str:
    return str(client(home).get_model_version_by_alias("leadgrade", CHAMPION).version)


@pytest.fixture(scope="module")
def first(home: Path, data: Path) -> str:
    result = run(home, "retrain", "--data", str(data))
    assert result.exit_code == 0, result.output
    assert "promoted: no champion yet" in result.output
    return champion(home)


def test_retrain_refused_by_the_gate_exits_1_with_the_table_logged(home, data, first):
    result = run(home, "retrain", "--data", str(scrambled_history(data, home)))

    assert result.exit_code == 1, result.output
    assert "roc_auc" in result.output
    assert "FAIL" in result.output
    assert "refused: roc_auc" in result.output
    assert champion(home) == first
    challenger = client(home).get_model_version_by_alias("leadgrade", CHALLENGER)
    run_data = client(home).get_run(challenger.run_id)
    assert run_data.data.tags["leadgrade.gate"] == "refused"
    gate = client(home).download_artifacts(challenger.run_id, "promotion/gate.json", str(home))
    rows = json.loads(Path(gate).read_text())["rows"]
    assert [r["check"] for r in rows] == ["roc_auc", "ece", "a_over_d"]


def test_retrain_that_fails_exits_2_with_one_line(home, first):
    result = run(home, "retrain", "--data", str(home / "absent.csv"))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: no such data file: {home / 'absent.csv'}"]
    assert "Traceback" not in result.output


def test_a_challenger_that_cannot_be_loaded_is_refused_with_the_reason(home, first):
    settings = TrainSettings(home=home)
    broken = log_training(tiny_training(), settings, spec_text=None, extra_params={}).version
    newest = max(home.glob("mlartifacts/**/calibration.json"), key=lambda p: p.stat().st_mtime)
    newest.write_text("{}")

    result = run(home, "promote")

    assert result.exit_code == 1
    assert f"challenger version {broken} cannot be loaded" in result.output
    assert "calibration.json" in result.output
    assert champion(home) == first


def test_rollback_moves_the_champion_back_and_records_why(home, first):
    settings = TrainSettings(home=home)
    second = log_training(tiny_training(), settings, spec_text=None, extra_params={}).version
    assert run(home, "promote", "--force").exit_code == 0
    assert champion(home) == second

    result = run(home, "rollback", "--reason", "complaints from sales")

    assert result.exit_code == 0, result.output
    assert f"version {second} → version {first}" in result.output
    assert champion(home) == first
    last = champion_history(client(home), "leadgrade")[-1]
    assert (last.action, last.to, last.previous) == ("rollback", first, second)
    assert (last.by, last.why) == ("ci", "complaints from sales")
    tags = client(home).get_model_version("leadgrade", second).tags
    assert tags["leadgrade.rolled_back"] == "complaints from sales"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reason", "x", "--to", "999"), "version 999 cannot be loaded"),
        (("--reason", " "), "give the reason"),
    ],
)
def test_a_rollback_that_cannot_be_done_says_why_in_one_line(home, first, args, message):
    result = run(home, "rollback", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1


def test_models_lists_versions_with_aliases_window_and_metrics(home, first):
    result = run(home, "models")
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if f"│ {first} " in row)
    assert "champion" in line
    assert " – " in line  # the training window
    assert "0." in line  # headline metrics

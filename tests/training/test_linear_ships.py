"""When the logistic baseline wins on validation, it ships: saved as data, served,
explained exactly, scored in batch and through MLflow's pyfunc, reloaded from the registry.
And whatever ships is never worse than the baseline on validation by the configured metric.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts

from features.spec import LeadSpec, demo_spec
from models.batch import score_file
from models.linear import LinearModel
from models.registry import load_model
from serving.app import create_app
from serving.settings import ServeSettings
from tests.linear_world import SPEC_TEXT, linear_leads, linear_spec
from training.demo_data import generate_leads
from training.from_file import train_from_file
from training.metric import Metric, better, validation_score
from training.pipeline import TrainingResult, encode_split, train_scorer
from training.promote import promote
from training.settings import TrainSettings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> TrainSettings:
    return TrainSettings(home=tmp_path_factory.mktemp("linear"), promotion_max_ece=0.2)


@pytest.fixture(scope="module")
def export(settings: TrainSettings) -> Path:
    path = settings.home / "leads.csv"
    linear_leads().to_csv(path, index=False)
    (settings.home / "spec.toml").write_text(SPEC_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def champion(settings: TrainSettings, export: Path) -> str:
    lines: list[str] = []
    train_from_file(export, settings.home / "spec.toml", settings=settings, progress=lines.append)
    assert any("shipped: the logistic model" in line for line in lines)
    promote(settings, force=True)
    return f"models:/{settings.model_name}@champion"


@pytest.fixture(scope="module")
def client(settings: TrainSettings, champion: str) -> Iterator[TestClient]:
    serve = ServeSettings(home=settings.home, model_poll_seconds=0)
    with TestClient(create_app(serve)) as c:
        yield c


def test_the_registered_model_is_the_linear_one_saved_as_data(settings, champion):
    loaded = load_model(champion, settings.mlflow_uri)
    assert isinstance(loaded.scorer.estimator, LinearModel)
    choice = loaded.scorer.card.evaluation["choice"]
    assert choice["shipped"] == "logistic"
    assert choice["baseline"] - choice["lightgbm"] == pytest.approx(choice["margin"])
    assert choice["margin"] > 0
    mlflow.set_tracking_uri(settings.mlflow_uri)
    folder = Path(download_artifacts(f"{champion}", tracking_uri=settings.mlflow_uri))
    manifests = list(folder.rglob("manifest.json"))
    (manifest,) = [json.loads(m.read_text()) for m in manifests]
    assert manifest["kind"] == "linear"
    assert "linear.json" in manifest["files"]
    assert "booster.txt" not in manifest["files"]
    assert not [p for p in folder.rglob("*") if p.suffix in {".pkl", ".pickle", ".joblib"}]
    run = MlflowClient(tracking_uri=settings.mlflow_uri).get_run(loaded.info.run_id)
    assert run.data.tags["leadgrade.model_shipped"] == "logistic"
    assert run.data.metrics["validation_roc_auc_logistic"] == pytest.approx(choice["baseline"])


def test_the_service_scores_and_explains_it_exactly(client):
    lead = {"lead_id": "W-new", "region": "region-3", "channel": "channel-1", "plan": "plan-2",
            "segment": "segment-9", "seats": 150, "visits": 9}  # fmt: skip
    scored = client.post("/v1/leads/score", json=lead)
    assert scored.status_code == 200
    body = client.post("/v1/leads/explain", json=lead).json()
    assert body["score"] == scored.json()["score"]
    tenths = sum(round(c["points"] * 10) for c in body["contributions"])
    assert round(body["base_points"] * 10) + tenths == round(body["score"] * 10)
    log_odds = body["base_log_odds"] + sum(c["log_odds"] for c in body["contributions"])
    assert log_odds == pytest.approx(body["log_odds"], abs=1e-9)
    visits = next(c for c in body["contributions"] if c["field"] == "visits")
    assert visits["log_odds"] > 0  # more visits than average in a world where visits help


def test_the_model_page_says_which_model_was_chosen_and_by_how_much(client, settings, champion):
    choice = load_model(champion, settings.mlflow_uri).scorer.card.evaluation["choice"]
    page = client.get("/ui/model").text
    assert "logistic regression, the better on the validation leads by" in page
    assert f"{choice['margin']:.4f} ROC-AUC" in page


def test_the_raw_score_is_the_sum_of_contributions_for_every_lead(settings, champion):
    scorer = load_model(champion, settings.mlflow_uri).scorer
    X = scorer.transformer.transform(linear_leads(500, seed=9))
    base, contributions, _, _ = scorer.explainer().points(X, np.zeros(len(X)))
    np.testing.assert_allclose(base + contributions.sum(axis=1), scorer.raw_scores(X))


def test_pyfunc_and_batch_scoring_agree_with_the_scorer(settings, champion, tmp_path):
    frame = linear_leads(300, seed=10)
    scorer = load_model(champion, settings.mlflow_uri).scorer
    expected = scorer.score_frame(frame)
    mlflow.set_tracking_uri(settings.mlflow_uri)
    pd.testing.assert_frame_equal(mlflow.pyfunc.load_model(champion).predict(frame), expected)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    summary = score_file(scorer, source, output, version="1", explain=True)
    assert summary.scored == len(frame)
    batch = pd.read_csv(output)
    np.testing.assert_allclose(batch["score"], expected["score"])


# -- never worse than the baseline on validation ------------------------------------------


def _trained(world: str, metric: Metric) -> tuple[TrainingResult, pd.DataFrame, LeadSpec]:
    frame, spec = (linear_leads(), linear_spec()) if world == "linear" else (
        generate_leads(3000, seed=5), demo_spec())  # fmt: skip
    return train_scorer(frame, spec, metric=metric), frame, spec


def _baseline_on_validation(frame: pd.DataFrame, spec: LeadSpec, metric: Metric) -> float:
    """The logistic baseline's validation score, recomputed outside the pipeline's fit."""
    encoded = encode_split(frame, spec)
    X, y, split = encoded.X, encoded.labels.y, encoded.split
    base = encoded.baseline(split.train)
    return validation_score(metric, y[split.valid], base.decision_function(X[split.valid]))


@pytest.mark.parametrize(
    ("world", "metric"), [("linear", "roc_auc"), ("demo", "roc_auc"), ("demo", "brier")]
)
def test_the_shipped_model_is_never_worse_than_the_baseline_on_validation(
    world: str, metric: Metric
) -> None:
    result, frame, spec = _trained(world, metric)
    choice = result.scorer.card.evaluation["choice"]
    assert choice["metric"] == metric
    baseline = _baseline_on_validation(frame, spec, metric)
    assert choice["baseline"] == pytest.approx(baseline)
    shipped = choice["baseline"] if choice["shipped"] == "logistic" else choice["lightgbm"]
    assert not better(metric, baseline, shipped)
    kind = LinearModel if choice["shipped"] == "logistic" else lgb.Booster
    assert isinstance(result.scorer.estimator, kind)
    tuned = choice["tuning"]
    shippable = [c["score"] for c in tuned["candidates"] if c["shippable"]]
    best = min(shippable) if metric == "brier" else max(shippable)
    chosen = next(c for c in tuned["candidates"] if c["name"] == tuned["chosen"])
    assert chosen["score"] == best

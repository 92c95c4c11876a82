"""The leakage audit: single-feature AUC, dominance, dates after creation, --allow-leaky."""

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from features.errors import DataError
from features.spec import LeadSpec, demo_spec, demo_spec_text
from tests.helpers import tiny_training
from training.checks import DataChecks
from training.demo_data import generate_leads
from training.from_file import train_from_file
from training.leakage import dates_after_creation, dominant_field, single_feature_auc
from training.pipeline import train_scorer
from training.settings import TrainSettings

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 2, 2000)


def spec_with(extra: dict[str, list[str]]) -> LeadSpec:
    """The demo spec with more feature columns, by kind."""
    raw = demo_spec().model_dump(exclude_none=True)
    for kind, names in extra.items():
        raw["features"][kind] = [*raw["features"][kind], *names]
    return LeadSpec.model_validate(raw)


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(1500, seed=17)


def with_stage(leads: pd.DataFrame, noise: float = 0.03) -> pd.DataFrame:
    """A column sales set after the call: it echoes the outcome, with a little noise."""
    rng = np.random.default_rng(1)
    flip = rng.random(len(leads)) < noise
    won = (leads["status"] == "won") ^ flip
    return leads.assign(stage_after_call=np.where(won, "hot", "cold"))


@pytest.mark.parametrize("sign", [1, -1])
def test_single_feature_auc_is_orientation_free(sign):
    values = sign * (Y + RNG.normal(0, 0.5, len(Y)))
    assert single_feature_auc(values, Y, categorical=False) > 0.8


@pytest.mark.parametrize(
    ("values", "categorical"),
    [
        (RNG.normal(size=len(Y)), False),  # noise
        (np.arange(len(Y), dtype=float), True),  # an id: every value unique
        (np.full(len(Y), 3.0), True),  # a constant
    ],
)
def test_features_without_signal_score_near_one_half(values, categorical):
    assert single_feature_auc(values, Y, categorical=categorical) < 0.56


def test_being_filled_in_only_for_won_leads_is_itself_a_leak():
    values = np.where(Y == 1, 1.0, np.nan)
    assert single_feature_auc(values, Y, categorical=True) > 0.99


def test_audit_trips_on_a_synthetic_leaky_column(leads):
    spec = spec_with({"categorical": ["stage_after_call"]})
    expected = r"'stage_after_call': alone it reaches ROC-AUC 0\.9"
    with pytest.raises(DataError, match=expected) as exc:
        train_scorer(with_stage(leads), spec)
    message = str(exc.value)
    assert '[feedback] (reason = "stage_after_call"' in message
    assert "features.drop" in message
    assert "--allow-leaky 'stage_after_call'" in message
    assert exc.value.details["leaky"] == ["stage_after_call"]


def test_allow_leaky_lets_one_field_through_and_the_card_says_so(leads):
    spec = spec_with({"categorical": ["stage_after_call"]})
    checks = DataChecks(allow_leaky=("stage_after_call",))
    result = train_scorer(with_stage(leads), spec, checks=checks)
    row = result.leakage.features[0]
    assert (row.field, row.allowed) == ("stage_after_call", True)
    assert "auc" in row.flags
    assert any("overridden (--allow-leaky) for 'stage_after_call'" in w
               for w in result.scorer.card.warnings)  # fmt: skip


def test_allow_leaky_must_name_a_feature(leads):
    with pytest.raises(DataError, match="--allow-leaky 'loss_reason' is not a feature"):
        train_scorer(leads, demo_spec(), checks=DataChecks(allow_leaky=("loss_reason",)))


def test_the_auc_limit_is_configurable(leads):
    spec = spec_with({"categorical": ["stage_after_call"]})
    result = train_scorer(with_stage(leads, noise=0.3), spec)  # AUC ~0.7: passes by default
    assert not result.leakage.blocking
    with pytest.raises(DataError, match="stage_after_call"):
        train_scorer(with_stage(leads, noise=0.3), spec, checks=DataChecks(max_single_auc=0.65))


def test_dates_set_after_the_lead_was_created_fail_the_run(leads):
    days = np.random.default_rng(2).integers(2, 60, len(leads))
    called = pd.to_datetime(leads["created_at"]) + pd.to_timedelta(days, unit="D")
    spec = spec_with({"categorical": ["last_call"]})
    with pytest.raises(DataError, match="100% of its dates fall after the lead was created"):
        train_scorer(leads.assign(last_call=called.dt.strftime("%Y-%m-%d")), spec)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-20"], 0.5),
        (["2023-12-01", "2024-01-01", None, "2024-01-10"], 0.0),  # same day is not later
        (["web", "ads", "web", "seo"], None),  # not dates
    ],
)
def test_dates_after_creation(values, expected):
    created = pd.Series(pd.to_datetime(["2024-01-01 09:00"] * 2 + ["2024-01-10 17:00"] * 2))
    created = created.dt.tz_localize("UTC") + timedelta(0)
    assert dates_after_creation(pd.Series(values, dtype=object), created) == expected


@pytest.mark.parametrize(
    ("importance", "dominant"),
    [
        ({"a": 0.7, "b": 0.14, "c": 0.16}, None),  # the runner-up is not dwarfed
        ({"a": 0.7, "b": 0.14, "c": 0.1, "d": 0.06}, "a"),
        ({"a": 0.6, "b": 0.1, "c": 0.3}, None),
        ({"a": 0.9, "b": 0.1}, None),  # two fields: sharing the gain unevenly is normal
    ],
)
def test_a_feature_whose_share_of_the_gain_dwarfs_the_rest(importance, dominant):
    assert dominant_field(importance, DataChecks()) == dominant


def test_the_demo_model_passes_with_one_audit_row_per_feature():
    audit = tiny_training().leakage
    assert sorted(r.field for r in audit.features) == sorted(demo_spec().feature_fields)
    aucs = [r.auc or 0.5 for r in audit.features]
    assert aucs == sorted(aucs, reverse=True)  # strongest single predictor first
    assert not audit.blocking
    assert all(0.5 <= auc < 0.8 for auc in aucs)
    assert abs(sum(r.importance for r in audit.features) - 1.0) < 1e-3


def test_allow_leaky_and_the_audit_are_recorded_in_mlflow(leads, tmp_path):
    settings = TrainSettings(home=tmp_path / "lg", model_name="leaky")
    data = tmp_path / "leads.csv"
    with_stage(leads).to_csv(data, index=False)
    spec = tmp_path / "spec.toml"
    leaky = 'categorical = ["stage_after_call", "industry",'
    spec.write_text(demo_spec_text().replace('categorical = ["industry",', leaky))
    run = train_from_file(data, spec, settings=settings, allow_leaky=["stage_after_call"])
    client = MlflowClient(tracking_uri=settings.mlflow_uri)
    logged = client.get_run(run.run_id).data
    assert logged.params["allow_leaky"] == '["stage_after_call"]'
    assert logged.tags["leadgrade.leakage_overridden"] == "stage_after_call"
    audit = client.download_artifacts(run.run_id, "leakage_audit.json", str(tmp_path))
    assert '"field": "stage_after_call"' in Path(audit).read_text()

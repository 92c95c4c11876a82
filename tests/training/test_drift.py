"""Honest probabilities when the win rate moves over time (the drifting demo data)."""

from __future__ import annotations

import numpy as np
import pytest

from features.spec import demo_spec
from training.demo_data import generate_leads
from training.pipeline import TrainingResult, train_scorer
from training.recency import win_rate_warnings


@pytest.fixture(scope="module")
def drifting() -> TrainingResult:
    # 12,000 leads: a holdout of about 1,500 closed leads, so that ECE (10 bins) measures
    # calibration rather than the noise of 80-lead bins
    return train_scorer(generate_leads(12_000, seed=7, drift=True), demo_spec())


def test_drifting_demo_win_rate_rises_from_about_10_to_about_35_percent() -> None:
    leads = generate_leads(6000, seed=7, drift=True)
    closed = leads[leads["status"].isin(["won", "lost"])].sort_values("created_at")
    first, last = closed.head(600), closed.tail(600)
    assert 0.07 <= (first["status"] == "won").mean() <= 0.16
    assert 0.28 <= (last["status"] == "won").mean() <= 0.42


def test_holdout_calibration_stays_honest_when_the_win_rate_moves(
    drifting: TrainingResult,
) -> None:
    model, baseline = drifting.evaluations["model"], drifting.evaluations["baseline"]
    assert model.ece <= 0.05
    assert model.brier <= baseline.brier


def test_a_moving_win_rate_is_measured_and_warned_about(drifting: TrainingResult) -> None:
    card = drifting.scorer.card
    rates = card.split["win_rates"]
    assert rates["training"] < rates["validation"] < rates["holdout"]
    assert any("the win rate moves between the parts of the split" in w for w in card.warnings)


def test_a_steady_win_rate_gives_no_warning() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(3000) < 0.2).astype(int)
    parts = {"training": np.arange(2000), "validation": np.arange(2000, 2500),
             "holdout": np.arange(2500, 3000)}  # fmt: skip
    assert win_rate_warnings(y, parts) == []
    y[2500:] = rng.random(500) < 0.4
    assert win_rate_warnings(y, parts)


def test_the_card_says_which_model_was_chosen_on_validation(drifting: TrainingResult) -> None:
    choice = drifting.scorer.card.evaluation["choice"]
    assert choice["metric"] == "roc_auc"
    assert choice["shipped"] == "lightgbm"
    assert choice["baseline_wins"] == (choice["baseline"] > choice["lightgbm"])
    assert 0.5 < choice["baseline"] < 1.0
    assert 0.5 < choice["lightgbm"] < 1.0

"""The choice of the model to ship: LightGBM or the logistic baseline, on the validation
leads, by the configured metric."""

from __future__ import annotations

import numpy as np
import pytest

from training.choice import compare_on_validation
from training.metric import Metric

RNG = np.random.default_rng(0)
Y = (RNG.random(2000) < 0.3).astype(int)
GOOD = Y * 1.5 + RNG.normal(0, 1, len(Y))
WEAK = Y * 0.5 + RNG.normal(0, 1, len(Y))


@pytest.mark.parametrize("metric", ["roc_auc", "pr_auc", "brier"])
def test_the_better_model_ships_on_each_metric(metric: Metric) -> None:
    assert compare_on_validation(GOOD, WEAK, Y, metric).shipped == "lightgbm"
    choice = compare_on_validation(WEAK, GOOD, Y, metric)
    assert choice.shipped == "logistic"
    assert choice.margin == pytest.approx(abs(choice.lightgbm - choice.baseline))


def test_brier_is_lower_is_better() -> None:
    choice = compare_on_validation(WEAK, GOOD, Y, "brier")
    assert choice.baseline < choice.lightgbm  # the better ranking, the lower Brier


def test_a_tie_keeps_lightgbm() -> None:
    assert compare_on_validation(GOOD, GOOD, Y, "roc_auc").shipped == "lightgbm"


def test_a_winning_baseline_ships_and_is_announced_with_both_numbers() -> None:
    choice = compare_on_validation(WEAK, GOOD, Y, "roc_auc")
    (warning,) = choice.warnings()
    assert "the logistic baseline beats LightGBM on the validation leads" in warning
    assert "the logistic model ships" in warning
    assert f"LightGBM {choice.lightgbm:.4f}, logistic baseline {choice.baseline:.4f}" in warning
    assert compare_on_validation(GOOD, WEAK, Y, "roc_auc").warnings() == []
    assert choice.as_dict()["shipped"] == "logistic"

"""The comparison of LightGBM and the logistic baseline on the validation leads."""

from __future__ import annotations

import numpy as np
import pytest

from training.choice import compare_on_validation

RNG = np.random.default_rng(0)
Y = (RNG.random(2000) < 0.3).astype(int)
GOOD = Y * 1.5 + RNG.normal(0, 1, len(Y))
WEAK = Y * 0.5 + RNG.normal(0, 1, len(Y))


@pytest.mark.parametrize("metric", ["roc_auc", "brier"])
def test_the_better_ranking_wins_on_either_metric(metric: str) -> None:
    assert not compare_on_validation(GOOD, WEAK, Y, metric).baseline_wins
    assert compare_on_validation(WEAK, GOOD, Y, metric).baseline_wins


def test_a_winning_baseline_is_warned_about_with_both_numbers() -> None:
    choice = compare_on_validation(WEAK, GOOD, Y)
    (warning,) = choice.warnings()
    assert "the logistic baseline beats LightGBM on the validation leads" in warning
    assert f"LightGBM {choice.lightgbm:.3f}, logistic baseline {choice.baseline:.3f}" in warning
    assert compare_on_validation(GOOD, WEAK, Y).warnings() == []

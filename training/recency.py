"""Honest probabilities when the win rate moves: measure it, calibrate on the newest leads.

A company's win rate moves over time (a better product, a new market, a sales team that
closes more). A probability calibrated on old leads is then wrong on new ones, even when
the ranking is fine. Training therefore

- measures the win rate of each part of the split and warns when they differ materially
  (output, MLflow tag, model card);
- ships a booster refitted on training + validation leads with the number of trees early
  stopping found (more leads, and the newest ones before the holdout), and
- calibrates it with a Platt fit on the validation leads (with a creation time: the most
  recent labelled leads before the holdout) as scored by the booster that never saw them.

When the logistic model ships instead (``training.choice``), it follows the same rule:
refitted on training + validation leads, calibrated on the validation leads as scored by
the logistic model fitted on the training leads alone.

The rule was chosen by measurement, not assumed: of six variants (no refit, calibrated on
all or the newest half of the validation leads; refit, calibrated in-sample on all or the
newest half; refit, calibrated out-of-sample on all or the newest half) it had the lowest
holdout Brier and the smallest worst-case ECE over six seeds of the drifting demo, and a
Brier within 0.0002 of the lowest on the steady demo. ``make bench-quality`` measures it
again and writes the numbers to docs/calibration.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.pipeline import Pipeline

from models.calibration import ScoreCalibrator
from models.linear import LinearModel
from training.fit import DEFAULT_PARAMS, fit_baseline, linear_model

_MATERIAL_RATIO = 1.25  # win rates differing by more than this factor ...
_MATERIAL_Z = 3.0  # ... and beyond noise (two-proportion z) are a material move


@dataclass(frozen=True)
class ShippedFit:
    """The model and calibrator that ship, and which leads each was fitted on."""

    model: lgb.Booster | LinearModel
    calibrator: ScoreCalibrator
    trees: int  # 0 for the logistic model
    calibration_leads: int

    def summary(self) -> str:
        what = f"{self.trees} trees" if self.trees else "the logistic model"
        return (
            f"refitted on training + validation leads ({what}); calibrated on the "
            f"{self.calibration_leads} validation leads"
        )


def win_rates(y: np.ndarray, parts: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Share of won leads in each part of the split."""
    return {name: round(float(y[index].mean()), 4) for name, index in parts.items()}


def win_rate_warnings(y: np.ndarray, parts: Mapping[str, np.ndarray]) -> list[str]:
    """A warning when the parts' win rates differ by a material factor beyond noise."""
    rates = {name: float(y[index].mean()) for name, index in parts.items()}
    low, high = min(rates, key=rates.__getitem__), max(rates, key=rates.__getitem__)
    if rates[low] <= 0 or rates[high] / rates[low] < _MATERIAL_RATIO:
        return []
    if _z(y[parts[low]], y[parts[high]]) < _MATERIAL_Z:
        return []
    shown = ", ".join(f"{r:.1%} in the {name}" for name, r in rates.items())
    return [
        f"the win rate moves between the parts of the split ({shown}): probabilities are "
        "calibrated on the most recent labelled leads, but lag a rate that keeps moving; "
        "retrain often and watch calibration on new outcomes"
    ]


def ship(
    early: lgb.Booster,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    parts: tuple[np.ndarray, np.ndarray],
    *,
    feature_names: Sequence[str],
    categorical: Sequence[int],
    params: Mapping[str, Any],
) -> ShippedFit:
    """Refit on training + validation leads; calibrate on the validation leads.

    ``early`` is the booster fitted on the training leads with early stopping; ``data`` is
    (X, y, weight) of all labelled leads and ``parts`` the (train, valid) row indices.
    """
    X, y, weight = data
    train, valid = parts
    raw = np.asarray(early.predict(X[valid], raw_score=True))
    calibrator = ScoreCalibrator().fit(raw, y[valid])
    trees = max(1, int(early.best_iteration or early.current_iteration()))
    rows = np.concatenate([train, valid])
    merged = {**DEFAULT_PARAMS, **params}
    for key in ("num_boost_round", "early_stopping_rounds"):
        merged.pop(key, None)
    dataset = lgb.Dataset(
        X[rows],
        label=y[rows],
        weight=weight[rows],
        feature_name=list(feature_names),
        categorical_feature=list(categorical),
    )
    booster = lgb.train(merged, dataset, num_boost_round=trees)
    return ShippedFit(booster, calibrator, trees, len(valid))


def ship_linear(
    baseline: Pipeline,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    parts: tuple[np.ndarray, np.ndarray],
    *,
    categorical: Sequence[int],
) -> ShippedFit:
    """The logistic model by the same rule: ``baseline`` (fitted on the training leads)
    scores the validation leads for the calibration; the shipped model is refitted on both.
    """
    X, y, weight = data
    train, valid = parts
    calibrator = ScoreCalibrator().fit(baseline.decision_function(X[valid]), y[valid])
    rows = np.concatenate([train, valid])
    refit = fit_baseline(X[rows], y[rows], weight[rows], categorical=categorical)
    return ShippedFit(linear_model(refit, X[rows]), calibrator, 0, len(valid))


def _z(a: np.ndarray, b: np.ndarray) -> float:
    """Two-proportion z statistic of the won shares of ``a`` and ``b``."""
    pooled = (a.sum() + b.sum()) / (len(a) + len(b))
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    return float(abs(a.mean() - b.mean()) / se) if se > 0 else 0.0

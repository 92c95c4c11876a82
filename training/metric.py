"""The metric models are judged on: one name, used by the promotion gate and by training's
choice of the model to ship (``LEADGRADE_PROMOTION_METRIC``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from models.calibration import ScoreCalibrator

Metric = Literal["roc_auc", "pr_auc", "brier"]
DEFAULT_METRIC: Metric = "roc_auc"
LABELS: dict[Metric, str] = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC", "brier": "Brier"}


def lower_is_better(metric: Metric) -> bool:
    return metric == "brier"


def validation_score(metric: Metric, y: np.ndarray, raw: np.ndarray) -> float:
    """``metric`` of raw log-odds on held-out leads.

    ROC-AUC and PR-AUC read the raw scores (calibration keeps the ranking); Brier needs
    probabilities, so the scores are Platt-calibrated out of fold (each half of the leads
    on the other half) before scoring.
    """
    if metric == "roc_auc":
        return float(roc_auc_score(y, raw))
    if metric == "pr_auc":
        return float(average_precision_score(y, raw))
    return _crossfit_brier(raw, y)


def better(metric: Metric, a: float, b: float) -> bool:
    """Whether score ``a`` is strictly better than ``b`` on ``metric``."""
    return a < b if lower_is_better(metric) else a > b


def _crossfit_brier(raw: np.ndarray, y: np.ndarray) -> float:
    halves = np.arange(len(y)) % 2
    p = np.empty(len(y))
    for h in (0, 1):
        fit, use = halves != h, halves == h
        p[use] = ScoreCalibrator().fit(raw[fit], y[fit]).predict(raw[use])
    return float(brier_score_loss(y, p))

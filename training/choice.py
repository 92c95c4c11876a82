"""LightGBM against the logistic-regression baseline, compared on the validation leads.

The baseline is not only a yardstick: on some exports it ranks leads better than the
booster. Training compares the two on the validation leads (never the holdout, which
stays the honest report), records the comparison in the model card, prints it, and warns
when the baseline wins. The card names the model shipped and by how much it won or lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from models.calibration import ScoreCalibrator
from training.evaluate import Evaluation


@dataclass(frozen=True)
class ModelChoice:
    """The validation comparison: ROC-AUC on raw scores, Brier after calibration."""

    metric: str
    lightgbm: float
    baseline: float
    shipped: str  # which model the registered scorer holds

    @property
    def baseline_wins(self) -> bool:
        return self.baseline > self.lightgbm

    def summary(self) -> str:
        """'validation ROC-AUC: LightGBM 0.861, logistic baseline 0.842 (LightGBM by 0.019)'."""
        better = "logistic baseline" if self.baseline_wins else "LightGBM"
        return (
            f"validation {self._name}: LightGBM {self.lightgbm:.3f}, logistic baseline "
            f"{self.baseline:.3f} ({better} by {abs(self.lightgbm - self.baseline):.3f})"
        )

    def warnings(self) -> list[str]:
        if not self.baseline_wins:
            return []
        return [
            f"the logistic baseline beats LightGBM on the validation leads ({self.summary()}); "
            f"the model shipped is {self.shipped}: compare the holdout metrics in the card "
            "before promoting it"
        ]

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "baseline_wins": self.baseline_wins}

    @property
    def _name(self) -> str:
        return "ROC-AUC" if self.metric == "roc_auc" else "Brier (negated)"


def compare_on_validation(
    booster_raw: np.ndarray, baseline_raw: np.ndarray, y: np.ndarray, metric: str = "roc_auc"
) -> ModelChoice:
    """Compare the two models' validation scores (raw log-odds) on ``metric``.

    ``roc_auc`` reads the raw scores (calibration does not change a ranking); ``brier``
    calibrates each out-of-fold on the validation leads (two halves) before scoring.
    """
    if metric == "roc_auc":
        return ModelChoice(
            metric,
            float(roc_auc_score(y, booster_raw)),
            float(roc_auc_score(y, baseline_raw)),
            "lightgbm",
        )
    return ModelChoice(
        metric, -_crossfit_brier(booster_raw, y), -_crossfit_brier(baseline_raw, y), "lightgbm"
    )


def _crossfit_brier(raw: np.ndarray, y: np.ndarray) -> float:
    """Brier of Platt-calibrated scores, each half calibrated on the other half."""
    halves = np.arange(len(y)) % 2
    p = np.empty(len(y))
    for h in (0, 1):
        fit, use = halves != h, halves == h
        p[use] = ScoreCalibrator().fit(raw[fit], y[fit]).predict(raw[use])
    return float(brier_score_loss(y, p))


def headline(evaluations: dict[str, Evaluation]) -> str:
    """The holdout line ``train`` prints: the model against the baseline."""
    m, b = evaluations["model"], evaluations["baseline"]
    return (
        f"holdout ROC-AUC {m.roc_auc:.3f} (baseline {b.roc_auc:.3f}), "
        f"Brier {m.brier:.4f} (baseline {b.brier:.4f}), ECE {m.ece:.3f}"
    )


def announce(lines: list[str], progress: Callable[[str], None]) -> list[str]:
    """Print each warning line; return them for the model card."""
    for line in lines:
        progress(f"warning: {line}")
    return lines

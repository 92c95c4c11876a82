"""The model to ship: tuned LightGBM or the logistic baseline, whichever is better on the
validation leads by the configured metric (the promotion gate's, ``training.metric``).

The comparison never reads the holdout, which stays the honest report: chosen on
validation, reported on the holdout. A tie keeps LightGBM. The model card, the run's
output and ``/ui/model`` name the model shipped and by how much it won on validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from training.evaluate import Evaluation
from training.metric import LABELS, Metric, better, validation_score

Shipped = Literal["lightgbm", "logistic"]


@dataclass(frozen=True)
class ModelChoice:
    """Both models' validation scores on ``metric`` and which one ships."""

    metric: Metric
    lightgbm: float
    baseline: float
    tuning: dict[str, Any] = field(default_factory=dict)  # the LightGBM search

    @property
    def shipped(self) -> Shipped:
        return "logistic" if better(self.metric, self.baseline, self.lightgbm) else "lightgbm"

    @property
    def margin(self) -> float:
        """How much better the shipped model scored (≥ 0, in the metric's units)."""
        return abs(self.lightgbm - self.baseline)

    def summary(self) -> str:
        """'validation ROC-AUC: LightGBM 0.861, logistic baseline 0.842; shipped: LightGBM
        (better by 0.019)'."""
        name = "the logistic model" if self.shipped == "logistic" else "LightGBM"
        return (
            f"validation {LABELS[self.metric]}: LightGBM {self.lightgbm:.4f}, logistic "
            f"baseline {self.baseline:.4f}; shipped: {name} (better by {self.margin:.4f})"
        )

    def warnings(self) -> list[str]:
        if self.shipped == "lightgbm":
            return []
        return [
            f"the logistic baseline beats LightGBM on the validation leads ({self.summary()}): "
            "the logistic model ships, explained by its coefficients"
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "metric_label": LABELS[self.metric],
            "shipped": self.shipped,
            "margin": self.margin,
            "baseline_wins": self.shipped == "logistic",
        }


def compare_on_validation(
    booster_raw: np.ndarray,
    baseline_raw: np.ndarray,
    y: np.ndarray,
    metric: Metric,
    tuning: dict[str, Any] | None = None,
) -> ModelChoice:
    """Compare the two models' validation raw scores (log-odds) on ``metric``."""
    return ModelChoice(
        metric,
        validation_score(metric, y, booster_raw),
        validation_score(metric, y, baseline_raw),
        tuning or {},
    )


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

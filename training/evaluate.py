"""Holdout evaluation of calibrated win probabilities and the A–D grades made from them."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, computed_field
from sklearn import metrics

from features.errors import DataError

GRADES = ("A", "B", "C", "D")

# Keeps log loss finite for probabilities of exactly 0 or 1, whatever sklearn version.
_LOG_LOSS_EPS = 1e-15


class GradeRow(BaseModel):
    """How one grade performed on the holdout set."""

    model_config = ConfigDict(frozen=True)

    grade: str
    leads: int
    share: float  # of all leads
    wins: float
    conversion: float | None  # wins / leads; None for an empty grade
    capture: float  # share of all wins that landed in this grade
    lift: float | None  # conversion / overall base rate


class Evaluation(BaseModel):
    """Probability metrics and the grade table for one model on one holdout set."""

    model_config = ConfigDict(frozen=True)

    rows: int
    positives: int
    base_rate: float
    roc_auc: float | None  # None when the holdout has a single class
    pr_auc: float | None
    brier: float
    log_loss: float
    ece: float
    grades: list[GradeRow]

    def grade(self, g: str) -> GradeRow:
        """The row for grade ``g``."""
        for row in self.grades:
            if row.grade == g:
                return row
        raise KeyError(f"no grade {g!r}; grades are {', '.join(GRADES)}")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def a_over_d(self) -> float | None:
        """Conversion of A leads over conversion of D leads; None if undefined."""
        a, d = self.grade("A").conversion, self.grade("D").conversion
        if a is None or not d:
            return None
        return a / d

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share_of_wins_in_ab(self) -> float:
        """Share of all wins that were graded A or B."""
        return self.grade("A").capture + self.grade("B").capture

    def flat_metrics(self, prefix: str = "") -> dict[str, float]:
        """Scalar metrics for ``mlflow.log_metrics``, names prefixed as given; None left out."""
        values: dict[str, float | None] = {
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "log_loss": self.log_loss,
            "ece": self.ece,
            "a_over_d": self.a_over_d,
            "wins_in_ab": self.share_of_wins_in_ab,
        }
        for row in self.grades:
            values[f"conversion_{row.grade}"] = row.conversion
            values[f"share_{row.grade}"] = row.share
            values[f"lift_{row.grade}"] = row.lift
        return {f"{prefix}{k}": v for k, v in values.items() if v is not None}


def expected_calibration_error(
    y: npt.ArrayLike,
    p: npt.ArrayLike,
    n_bins: int = 10,
    strategy: Literal["quantile", "uniform"] = "quantile",
) -> float:
    """Mean |observed rate − mean predicted probability| over bins, weighted by bin size.

    Bins are those of ``sklearn.calibration.calibration_curve``; that function drops the
    bin sizes, so the per-bin sums are taken here. Quantile edges that coincide (many
    tied probabilities) just leave empty bins, which weigh nothing.
    """
    y_arr, p_arr = _check_labels(y), _check_probabilities(p)
    _check_lengths(y=y_arr, p=p_arr)
    if n_bins < 1:
        raise DataError(f"n_bins must be at least 1, got {n_bins}")
    if strategy == "quantile":
        edges = np.percentile(p_arr, np.linspace(0, 100, n_bins + 1))
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise DataError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    bins = np.searchsorted(edges[1:-1], p_arr)
    observed = np.bincount(bins, weights=y_arr, minlength=n_bins)
    predicted = np.bincount(bins, weights=p_arr, minlength=n_bins)
    # sum_b (n_b / n) * |obs_b / n_b - pred_b / n_b| == sum_b |obs_b - pred_b| / n
    return float(np.abs(observed - predicted).sum() / len(p_arr))


def evaluate(y: npt.ArrayLike, p: npt.ArrayLike, grades: npt.ArrayLike) -> Evaluation:
    """Evaluate win probabilities ``p`` and grades against won (1) / lost (0) labels ``y``."""
    y_arr, p_arr, g_arr = _check_labels(y), _check_probabilities(p), _check_grades(grades)
    _check_lengths(y=y_arr, p=p_arr, grades=g_arr)
    rows, positives = len(y_arr), int(y_arr.sum())
    both_classes = 0 < positives < rows
    clipped = np.clip(p_arr, _LOG_LOSS_EPS, 1 - _LOG_LOSS_EPS)
    return Evaluation(
        rows=rows,
        positives=positives,
        base_rate=positives / rows,
        roc_auc=float(metrics.roc_auc_score(y_arr, p_arr)) if both_classes else None,
        pr_auc=float(metrics.average_precision_score(y_arr, p_arr)) if both_classes else None,
        brier=float(metrics.brier_score_loss(y_arr, p_arr)),
        log_loss=float(metrics.log_loss(y_arr, clipped, labels=[0, 1])),
        ece=expected_calibration_error(y_arr, p_arr),
        grades=[_grade_row(g, y_arr, g_arr) for g in GRADES],
    )


def _grade_row(grade: str, y: npt.NDArray[np.float64], grades: npt.NDArray[np.str_]) -> GradeRow:
    in_grade = grades == grade
    leads, wins = int(in_grade.sum()), float(y[in_grade].sum())
    total_wins, base_rate = float(y.sum()), float(y.mean())
    conversion = wins / leads if leads else None
    return GradeRow(
        grade=grade,
        leads=leads,
        share=leads / len(y),
        wins=wins,
        conversion=conversion,
        capture=wins / total_wins if total_wins else 0.0,
        lift=conversion / base_rate if conversion is not None and base_rate else None,
    )


def _as_1d(values: npt.ArrayLike, name: str) -> npt.NDArray[np.generic]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise DataError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise DataError(f"{name} is empty; evaluation needs at least one lead")
    return arr


def _as_float(arr: npt.NDArray[np.generic], message: str) -> npt.NDArray[np.float64]:
    # Strings such as "1" would convert silently, so only numbers (or objects holding them).
    if arr.dtype.kind not in "biufO":
        raise DataError(message)
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(message) from None


def _check_labels(y: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = _as_1d(y, "y")
    labels = _as_float(arr, f"y must contain only 0/1 labels, got dtype {arr.dtype}")
    bad = np.unique(arr[(labels != 0) & (labels != 1)])
    if bad.size:
        raise DataError(f"y must contain only 0/1 labels, got {bad[:5].tolist()}")
    return labels


def _check_probabilities(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = _as_1d(p, "p")
    probs = _as_float(arr, f"p must contain probabilities, got dtype {arr.dtype}")
    outside = probs[~((probs >= 0) & (probs <= 1))]  # NaN fails both comparisons
    if outside.size:
        raise DataError(
            f"p must contain probabilities in [0, 1], got {outside.size} outside, "
            f"e.g. {outside[:5].tolist()}"
        )
    return probs


def _check_grades(grades: npt.ArrayLike) -> npt.NDArray[np.str_]:
    arr = _as_1d(grades, "grades").astype(str)
    unknown = sorted(set(np.unique(arr).tolist()) - set(GRADES))
    if unknown:
        raise DataError(f"grades must be one of {', '.join(GRADES)}, got unknown {unknown[:5]}")
    return arr


def _check_lengths(**arrays: npt.NDArray[np.generic]) -> None:
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise DataError(f"{', '.join(lengths)} must have the same length, got {detail}")

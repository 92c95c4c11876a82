"""Probability calibration of the booster's raw scores, fitted with scikit-learn."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted


class ScoreCalibrator(BaseEstimator):  # type: ignore[misc]
    """Map raw log-odds to calibrated probabilities.

    ``sigmoid`` is Platt scaling (a one-feature logistic regression): smooth and strictly
    increasing, so grades keep the booster's order and explanations stay proportional.
    ``isotonic`` is more flexible but needs more held-out leads and creates ties.

    Fitting uses scikit-learn; ``predict`` is plain NumPy on the learned parameters, so the
    serving path does not go through a scikit-learn wrapper.
    """

    def __init__(self, method: Literal["sigmoid", "isotonic"] = "sigmoid") -> None:
        self.method = method

    def fit(self, raw: np.ndarray, y: np.ndarray) -> Self:
        """Fit on held-out raw scores and 0/1 outcomes (unweighted: real conversion rates)."""
        raw, y = np.asarray(raw, dtype=float).ravel(), np.asarray(y).ravel()
        if raw.shape != y.shape:
            raise ValueError(f"raw has {raw.size} values but y has {y.size}")
        if np.unique(y).size < 2:
            raise ValueError("calibration needs both won and lost leads in the held-out set")
        if self.method == "sigmoid":
            lr = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
            self.slope_, self.intercept_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        elif self.method == "isotonic":
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
            self.x_thresholds_ = np.asarray(iso.X_thresholds_, dtype=float)
            self.y_thresholds_ = np.asarray(iso.y_thresholds_, dtype=float)
        else:
            raise ValueError(f"method must be 'sigmoid' or 'isotonic', got {self.method!r}")
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for raw log-odds."""
        raw = np.asarray(raw, dtype=float)
        if self.method == "sigmoid":
            check_is_fitted(self, "slope_")
            return np.asarray(1.0 / (1.0 + np.exp(-(self.slope_ * raw + self.intercept_))))
        check_is_fitted(self, "x_thresholds_")
        return np.asarray(np.interp(raw, self.x_thresholds_, self.y_thresholds_))

    def get_state(self) -> dict[str, Any]:
        """The fitted parameters as JSON-able data."""
        if self.method == "sigmoid":
            check_is_fitted(self, "slope_")
            return {"method": "sigmoid", "slope": self.slope_, "intercept": self.intercept_}
        check_is_fitted(self, "x_thresholds_")
        x, y = self.x_thresholds_.tolist(), self.y_thresholds_.tolist()
        return {"method": "isotonic", "x_thresholds": x, "y_thresholds": y}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Self:
        """A fitted calibrator from :meth:`get_state` data; ValueError if it is malformed."""
        out = cls(state["method"])
        if out.method == "sigmoid":
            out.slope_, out.intercept_ = float(state["slope"]), float(state["intercept"])
        elif out.method == "isotonic":
            out.x_thresholds_ = np.asarray(state["x_thresholds"], dtype=float)
            out.y_thresholds_ = np.asarray(state["y_thresholds"], dtype=float)
            if out.x_thresholds_.shape != out.y_thresholds_.shape or out.x_thresholds_.ndim != 1:
                raise ValueError("isotonic thresholds must be two lists of one length")
        else:
            raise ValueError(f"method must be 'sigmoid' or 'isotonic', got {out.method!r}")
        return out

"""The loss-reason model: the most likely reason a lead would be lost, for its nurture track.

Trained beside the main model on the lost leads that sales gave a reason for (see
``training.loss_reasons``), on the same encoded features. Serving asks it only about the
leads that go to nurture (grades C and D), in one call per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from models.threads import predict_threads


@dataclass(frozen=True)
class LossReasonModel:
    """A LightGBM multiclass booster over canonical loss reasons.

    ``classes[i]`` is the canonical reason (or ``other``, for reasons too rare to learn)
    of the booster's class ``i``.
    """

    booster: lgb.Booster
    classes: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes):
            raise ValueError(
                f"a loss-reason model needs 2 or more distinct classes, got {self.classes}"
            )

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """One row per lead, one column per class (in ``classes`` order), rows summing to 1."""
        threads = predict_threads(len(X))
        proba = np.asarray(self.booster.predict(X, num_threads=threads), dtype=float)
        return proba.reshape(len(X), len(self.classes))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most likely loss reason of each lead of an encoded matrix (an object array)."""
        classes = np.asarray(self.classes, dtype=object)
        if len(X) == 0:
            return classes[:0]
        return np.asarray(classes[np.argmax(self.probabilities(X), axis=1)])

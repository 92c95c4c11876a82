"""Train / validation / holdout splits.

With a creation time the split is by time: the model is validated and evaluated on the
most recent leads, as it will be used. Without one it is stratified at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


@dataclass(frozen=True)
class Split:
    method: str
    train: np.ndarray
    valid: np.ndarray
    holdout: np.ndarray

    def summary(self) -> dict[str, int | str]:
        return {
            "method": self.method,
            "train": len(self.train),
            "valid": len(self.valid),
            "holdout": len(self.holdout),
        }


def split_leads(
    y: np.ndarray,
    created_at: pd.Series | None,
    *,
    valid_share: float = 0.15,
    holdout_share: float = 0.15,
    seed: int = 0,
) -> Split:
    """Index arrays for train (oldest), validation and holdout (most recent)."""
    if not (0 < valid_share < 0.5 and 0 < holdout_share < 0.5):
        raise ValueError("valid_share and holdout_share must each be between 0 and 0.5")
    n = len(y)
    if created_at is not None:
        order = np.argsort(pd.to_datetime(created_at, utc=True).to_numpy(), kind="stable")
        n_hold, n_valid = round(n * holdout_share), round(n * valid_share)
        n_train = n - n_valid - n_hold
        return Split(
            "time-ordered",
            np.sort(order[:n_train]),
            np.sort(order[n_train : n_train + n_valid]),
            np.sort(order[n_train + n_valid :]),
        )
    index = np.arange(n)
    rest, holdout = train_test_split(index, test_size=holdout_share, stratify=y, random_state=seed)
    train, valid = train_test_split(
        rest, test_size=valid_share / (1 - holdout_share), stratify=y[rest], random_state=seed
    )
    return Split("stratified", np.sort(train), np.sort(valid), np.sort(holdout))

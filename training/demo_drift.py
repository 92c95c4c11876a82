"""A moving win rate for the demo data: the world a model must stay honest in.

With ``leadgrade demo-data --drift`` the share of closed leads that are won rises steadily
from about 10 % in the first month to about 35 % in the last of the 18 months, as when a
company's product or market improves. Each lead keeps its own drivers (the model can still
rank leads); only the month's base rate moves, so a calibration fitted on old leads is
too pessimistic on new ones.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq
from scipy.special import expit

DRIFT_FROM = 0.10  # win rate in the first month
DRIFT_TO = 0.35  # ... and in the last
_MONTHS = 18


def drifting_logit(logit: npt.NDArray[np.float64], when: npt.NDArray[np.float64]) -> np.ndarray:
    """Shift each month's logits so its mean win probability follows the rising target.

    ``when`` is each lead's position in the window, from 0 (start) to 1 (end).
    """
    logit = np.asarray(logit, dtype=float)
    month = np.minimum((np.asarray(when) * _MONTHS).astype(int), _MONTHS - 1)
    out = logit.copy()
    for m in np.unique(month):
        rows = month == m
        target = DRIFT_FROM + (DRIFT_TO - DRIFT_FROM) * (m + 0.5) / _MONTHS
        out[rows] += _shift_to(logit[rows], target)
    return out


def _shift_to(logit: np.ndarray, rate: float) -> float:
    """The constant that, added to every logit, makes the mean probability ``rate``."""
    return float(brentq(lambda s: float(expit(logit + s).mean()) - rate, -20.0, 20.0))

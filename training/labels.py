"""Labels and weights from outcomes and sales feedback.

Won is 1 and lost is 0; open leads are not labels. The canonical loss reason changes what
a loss means (see ``features.reasons.DEFAULT_REASON_WEIGHTS``): a weight of 0 (invalid or
duplicate leads) leaves the lead out, bad timing weighs less, wrong target weighs more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.reasons import CanonicalReason, canonical_reason
from features.spec import LeadSpec


@dataclass
class Labels:
    frame: pd.DataFrame  # the labelled leads only, in input order
    y: np.ndarray  # 1 won, 0 lost
    weight: np.ndarray  # training weight per lead
    reason: list[CanonicalReason | None]  # canonical loss reason (None for won leads)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def won(self) -> int:
        return int(self.y.sum())

    @property
    def lost(self) -> int:
        return int(len(self.y) - self.y.sum())


def make_labels(frame: pd.DataFrame, spec: LeadSpec) -> Labels:
    """Labels, weights and canonical reasons for the closed leads of a validated frame."""
    outcome = frame[spec.outcome.column]
    won = outcome.isin(spec.outcome.won).to_numpy()
    lost = outcome.isin(spec.outcome.lost).to_numpy()
    reasons = _reasons(frame, spec, lost)
    weight = np.where(won, 1.0, [_loss_weight(r, spec) for r in reasons])
    usable = (won | lost) & (weight > 0)
    excluded = {
        "open": int((~won & ~lost).sum()),
        "invalid_or_zero_weight": int(((won | lost) & (weight <= 0)).sum()),
    }
    keep = np.flatnonzero(usable)
    return Labels(
        frame=frame.iloc[keep].reset_index(drop=True),
        y=won[keep].astype(np.int64),
        weight=weight[keep].astype(float),
        reason=[reasons[i] for i in keep],
        excluded=excluded,
    )


def _reasons(frame: pd.DataFrame, spec: LeadSpec, lost: np.ndarray) -> list[CanonicalReason | None]:
    column = spec.feedback.reason
    if column is None:
        return [None] * len(frame)
    mapping = spec.feedback.reasons
    return [
        canonical_reason(raw, mapping) if is_lost else None
        for raw, is_lost in zip(frame[column].tolist(), lost, strict=True)
    ]


def _loss_weight(reason: CanonicalReason | None, spec: LeadSpec) -> float:
    return 1.0 if reason is None else spec.feedback.weight_for(reason)

"""Safeguards every training run applies before a model is trusted.

``DataChecks`` holds every threshold, in one place: how many won and lost leads training
needs (and below which it warns), and the limits of the leakage audit
(``training.leakage``). ``TrainSettings.checks`` reads them from the environment
(``LEADGRADE_CHECKS__MIN_PER_CLASS=...``); code passes a ``DataChecks`` to ``train_scorer``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from features.errors import DataError
from features.spec import LeadSpec


class DataChecks(BaseModel):
    """Thresholds of the minimum-data rules, the leakage audit and the loss-reason model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_per_class: int = Field(default=40, ge=1)  # fewer won (or lost) leads: refuse
    warn_per_class: int = Field(default=200, ge=1)  # fewer: train, but warn in the card
    max_single_auc: float = Field(default=0.90, gt=0.5, le=1.0)  # one feature alone
    dominant_share: float = Field(default=0.60, gt=0.0, le=1.0)  # of the model's gain ...
    runner_up_share: float = Field(default=0.15, ge=0.0, le=1.0)  # ... while the next has less
    max_after_creation: float = Field(default=0.05, ge=0.0, le=1.0)  # dates set later
    allow_leaky: tuple[str, ...] = ()  # features the audit may flag without failing
    min_reason_leads: int = Field(default=50, ge=2)  # lost leads with a reason: fewer, no model
    min_reason_class: int = Field(default=20, ge=1)  # rarer reasons are learned as "other"

    @model_validator(mode="after")
    def _ordered(self) -> DataChecks:
        if self.warn_per_class < self.min_per_class:
            raise ValueError("warn_per_class must be at least min_per_class")
        if self.runner_up_share >= self.dominant_share:
            raise ValueError("runner_up_share must be below dominant_share")
        return self


def check_label_counts(won: int, lost: int, checks: DataChecks) -> list[str]:
    """Refuse below the floor of won and lost leads; below the soft level, a warning."""
    floor, soft = checks.min_per_class, checks.warn_per_class
    if won < floor or lost < floor:
        raise DataError(
            f"training needs at least {floor} won and {floor} lost leads; "
            f"found {won} won and {lost} lost",
            won=won,
            lost=lost,
        )
    if won < soft or lost < soft:
        return [
            f"only {won} won and {lost} lost leads (fewer than {soft} of each): metrics, "
            "calibration and grade cut-offs are uncertain; retrain when more leads are closed"
        ]
    return []


def check_split_labels(y: np.ndarray, parts: dict[str, np.ndarray], method: str) -> None:
    """Fail if a part of the split lacks won or lost leads (calibration needs both)."""
    for name, index in parts.items():
        won = int(y[index].sum())
        if won == 0 or won == len(index):
            raise DataError(
                f"the {method} split left the {name} leads ({len(index)}) with {won} won and "
                f"{len(index) - won} lost; every part needs both (with a creation time the "
                "newest leads are held out: are recent outcomes missing from the data?)",
                part=name,
            )


def outcome_timing_warnings(frame: pd.DataFrame, spec: LeadSpec, y: np.ndarray) -> list[str]:
    """Warnings about outcome dates (needs ``lead.created_at`` and ``outcome.date``).

    Wins dated before their lead's creation are counted. When leads absent from the
    outcomes file count as lost (``won_if_present``), the file must also cover the leads'
    whole period: wins missing at its start or end would be wrong "lost" labels.
    """
    created, closed = spec.lead.created_at, spec.outcome.date
    if not created or not closed:
        return []
    won = y.astype(bool) & frame[closed].notna().to_numpy()
    days = (frame[closed] - frame[created]).dt.days.to_numpy()[won]
    out: list[str] = []
    early = int((days < -1).sum())
    if early:
        out.append(f"{early} won lead(s) have an outcome date before their creation time")
    if spec.outcome.won_if_present and len(days):
        out += _coverage_warnings(frame[created], frame.loc[won, closed], days)
    return out


def _coverage_warnings(created: pd.Series, closed: pd.Series, days: np.ndarray) -> list[str]:
    p90 = float(np.percentile(np.clip(days, 0, None), 90))
    first, last = closed.min(), closed.max()
    out: list[str] = []
    gap = (first - created.min()).days
    if gap > p90:
        out.append(
            f"the first win is dated {first:%Y-%m-%d}, {gap} days after the first lead, while "
            f"90% of wins close within {p90:.0f} days: earlier wins may be missing from the "
            "outcomes file, and older leads labelled lost that were won"
        )
    age = (last - created.max()).days
    if age < p90:
        out.append(
            f"the newest leads had {age} days to close before the last recorded win, while 10% "
            f"of wins take more than {p90:.0f} days: some recent leads labelled lost may "
            "still be won"
        )
    return out

"""The model card: what a trained model is, what it was trained on and how well it does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DataSummary(BaseModel):
    """Where the training leads came from and what happened to each of them."""

    model_config = ConfigDict(extra="forbid")

    source: str
    rows_read: int
    rows_rejected: int = 0
    labeled: int
    won: int
    lost: int
    excluded: dict[str, int] = Field(default_factory=dict)
    window_start: datetime | None = None
    window_end: datetime | None = None


class ModelCard(BaseModel):
    """Facts about one trained model; served at ``GET /v1/model``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    spec_name: str
    trained_at: datetime
    data: DataSummary
    split: dict[str, Any]
    metrics: dict[str, dict[str, float]]
    evaluation: dict[str, Any] = Field(default_factory=dict)
    grade_method: str
    grade_thresholds: dict[str, float]
    features: list[str]
    model_columns: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    best_iteration: int
    warnings: list[str] = Field(default_factory=list)
    # Bins and shares of the holdout's scores and top fields, for drift (see models.drift).
    reference: dict[str, dict[str, Any]] = Field(default_factory=dict)

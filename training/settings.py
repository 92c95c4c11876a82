"""Settings of the training commands (env prefix LEADGRADE_)."""

from __future__ import annotations

from pydantic import Field

from models.settings import RegistrySettings


class TrainSettings(RegistrySettings):
    experiment: str = "leadgrade"
    promotion_metric: str = "roc_auc"
    promotion_margin: float = Field(default=0.005, ge=0.0, le=0.5)

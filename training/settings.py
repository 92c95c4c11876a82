"""Settings of the training commands (env prefix LEADGRADE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from models.settings import RegistrySettings
from store.settings import StoreSettings
from training.checks import DataChecks
from training.metric import DEFAULT_METRIC, Metric


class TrainSettings(RegistrySettings, StoreSettings):
    # Nested values from the environment: LEADGRADE_CHECKS__MIN_PER_CLASS=100
    model_config = SettingsConfigDict(
        env_prefix="LEADGRADE_", env_nested_delimiter="__", extra="ignore"
    )

    experiment: str = "leadgrade"
    # The metric the promotion gate compares and training ships the better model by.
    promotion_metric: Metric = DEFAULT_METRIC
    promotion_margin: float = Field(default=0.005, ge=0.0, le=0.5)
    promotion_max_ece_increase: float = Field(
        default=0.02, ge=0.0, le=1.0, description="refuse a challenger whose ECE is higher by more"
    )
    promotion_min_ad_ratio: float = Field(
        default=0.8, ge=0.0, le=10.0, description="refuse below this share of the champion's A÷D"
    )
    # A challenger whose holdout ECE is above this is refused, champion or not, unless forced.
    promotion_max_ece: float = Field(default=0.05, gt=0.0, le=1.0)
    checks: DataChecks = Field(default_factory=DataChecks)

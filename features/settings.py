"""The local state folder that every leadgrade process shares (LEADGRADE_HOME)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class HomeSettings(BaseSettings):
    """Where local state lives by default: the MLflow database, artifacts, the lead store."""

    model_config = SettingsConfigDict(env_prefix="LEADGRADE_", extra="ignore")

    home: Path = Path(".leadgrade")

    @field_validator("home")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

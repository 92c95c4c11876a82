"""Where models live: the settings shared by every leadgrade process (env prefix LEADGRADE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseSettings):
    """Local state folder, MLflow tracking/registry URI and the registered model's name."""

    model_config = SettingsConfigDict(env_prefix="LEADGRADE_", extra="ignore")

    home: Path = Path(".leadgrade")
    tracking_uri: str | None = None
    model_name: str = "leadgrade"

    @field_validator("home")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def mlflow_uri(self) -> str:
        """The tracking URI: as configured, or a SQLite database in the home folder."""
        return self.tracking_uri or f"sqlite:///{self.home / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        return (self.home / "mlartifacts").as_uri()

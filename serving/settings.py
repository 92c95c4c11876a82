"""Settings of the API process (env prefix LEADGRADE_); invalid values fail at start-up."""

from __future__ import annotations

from pydantic import Field

from models.registry import CHAMPION
from models.settings import RegistrySettings


class ServeSettings(RegistrySettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    model_uri: str | None = Field(
        default=None,
        description="models:/name@alias, models:/name/version, an MLflow model folder or a "
        ".joblib file; default: the registry's champion",
    )
    max_batch: int = Field(default=1000, ge=1, le=100_000)
    model_poll_seconds: float = Field(
        default=30.0, ge=0.0, description="how often to look for a new champion; 0 = never"
    )

    @property
    def resolved_model_uri(self) -> str:
        return self.model_uri or f"models:/{self.model_name}@{CHAMPION}"

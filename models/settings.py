"""Where models and leads live: the settings shared by every leadgrade process (LEADGRADE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from features.store.engine import SUPPORTED_BACKENDS


class RegistrySettings(BaseSettings):
    """Local state folder, MLflow tracking/registry URI, the registered model's name, and the
    lead store that the service writes and training reads."""

    model_config = SettingsConfigDict(env_prefix="LEADGRADE_", extra="ignore")

    home: Path = Path(".leadgrade")
    tracking_uri: str | None = None
    model_name: str = "leadgrade"
    database_url: str | None = Field(
        default=None,
        description="the lead store: sqlite:///path or postgresql+psycopg://…; "
        "default: SQLite file leads.db in home",
    )

    @field_validator("home")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from exc
        if backend not in SUPPORTED_BACKENDS:
            raise ValueError(f"the lead store supports {SUPPORTED_BACKENDS}, not {backend!r}")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The lead store's URL: as configured, or a SQLite file in the home folder."""
        return self.database_url or f"sqlite:///{self.home / 'leads.db'}"

    @property
    def mlflow_uri(self) -> str:
        """The tracking URI: as configured, or a SQLite database in the home folder."""
        return self.tracking_uri or f"sqlite:///{self.home / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        return (self.home / "mlartifacts").as_uri()

"""Settings of the API process (env prefix LEADGRADE_); invalid values fail at start-up."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from models.registry import CHAMPION
from models.settings import RegistrySettings
from store.settings import StoreSettings

ANONYMOUS = "anonymous"
MIN_KEY_LENGTH = 16
_CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ServeSettings(RegistrySettings, StoreSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    model_uri: str | None = Field(
        default=None,
        description="models:/name@alias, models:/name/version, an MLflow model folder or a "
        ".joblib file; default: the registry's champion",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes (uvicorn workers); with more than one, put the lead store "
        "in PostgreSQL: SQLite has one writer at a time for the whole file",
    )
    max_batch: int = Field(default=1000, ge=1, le=100_000)
    model_poll_seconds: float = Field(
        default=30.0, ge=0.0, description="how often to look for a new champion; 0 = never"
    )
    # database_url (the lead store) is shared with training: see store.settings.
    migrate_on_start: bool = Field(
        default=True, description="apply the lead store's migrations when the service starts"
    )
    write_batch_records: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="most scores and outcomes written in one shared transaction (group commit)",
    )
    write_batch_wait_ms: float = Field(
        default=0.0,
        ge=0.0,
        le=1000.0,
        description="how long the store's writer waits for more requests before it commits; "
        "0 = it takes what queued up while the last transaction committed",
    )
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='client name → API key, as JSON ({"crm": "…"}); none = open service',
    )

    @property
    def resolved_model_uri(self) -> str:
        return self.model_uri or f"models:/{self.model_name}@{CHAMPION}"

    @field_validator("api_keys")
    @classmethod
    def _usable_keys(cls, keys: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, key in keys.items():
            if not _CLIENT_NAME.fullmatch(name) or name == ANONYMOUS:
                raise ValueError(
                    f"client name {name!r}: use 1–64 letters, digits, '_', '.' or '-', "
                    f"and not {ANONYMOUS!r}"
                )
            if len(key.get_secret_value()) < MIN_KEY_LENGTH:
                raise ValueError(f"the key of {name!r} is shorter than {MIN_KEY_LENGTH} characters")
        secrets = [key.get_secret_value() for key in keys.values()]
        if len(set(secrets)) != len(secrets):
            raise ValueError("two clients share one key: a key must name exactly one client")
        return keys

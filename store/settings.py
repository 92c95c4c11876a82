"""Where the lead store lives (LEADGRADE_DATABASE_URL); shared by serving, training and the CLI."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from features.settings import HomeSettings
from store.engine import SUPPORTED_BACKENDS, StoreTimeouts, shown_url


class StoreSettings(HomeSettings):
    """The lead store that the service writes and training reads."""

    database_url: str | None = Field(
        default=None,
        description="the lead store: sqlite:///path or postgresql+psycopg://…; "
        "default: SQLite file leads.db in home",
    )

    database_connect_timeout: float = Field(
        default=5.0, gt=0, le=300, description="seconds to open a database connection"
    )
    database_statement_timeout: float = Field(
        default=15.0,
        gt=0,
        le=600,
        description="seconds one statement may run (on SQLite: may wait for the write lock)",
    )
    database_pool_timeout: float = Field(
        default=5.0, gt=0, le=300, description="seconds to wait for a free pooled connection"
    )

    allow_new_store: bool = Field(
        default=False,
        description="start an empty store where the ledger says one existed (after a loss)",
    )
    store_ledger: Path | None = Field(
        default=None,
        description="the record of stores created here; default: stores.json in home",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="erase the personal data of leads first scored more than this many days "
        "ago (the service checks hourly; `leadgrade erase --expired` now); none = keep",
    )

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
    def resolved_store_ledger(self) -> Path:
        return self.store_ledger or self.home / "stores.json"

    @property
    def store_timeouts(self) -> StoreTimeouts:
        return StoreTimeouts(
            connect=self.database_connect_timeout,
            statement=self.database_statement_timeout,
            pool=self.database_pool_timeout,
        )

    @property
    def shown_database_url(self) -> str:
        """The URL as it may be printed and logged: without its password."""
        return shown_url(self.resolved_database_url)

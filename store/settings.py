"""Where the lead store lives (LEADGRADE_DATABASE_URL); shared by serving, training and the CLI."""

from __future__ import annotations

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from features.settings import HomeSettings
from store.engine import SUPPORTED_BACKENDS, shown_url


class StoreSettings(HomeSettings):
    """The lead store that the service writes and training reads."""

    database_url: str | None = Field(
        default=None,
        description="the lead store: sqlite:///path or postgresql+psycopg://…; "
        "default: SQLite file leads.db in home",
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
    def shown_database_url(self) -> str:
        """The URL as it may be printed and logged: without its password."""
        return shown_url(self.resolved_database_url)

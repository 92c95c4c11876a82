"""Settings of the API process (env prefix LEADGRADE_); invalid values fail at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from features.request import DateBounds
from models.registry import CHAMPION, alias_uri
from models.settings import RegistrySettings
from serving.keys import Role
from store.settings import StoreSettings

WebhookEvent = Literal["lead.routed_to_sales", "lead.follow_up_overdue"]
ALL_WEBHOOK_EVENTS: list[WebhookEvent] = ["lead.routed_to_sales", "lead.follow_up_overdue"]


class WebhookTarget(BaseModel):
    """One receiver of webhooks: its URL, the shared signing secret, the events it wants."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    secret: SecretStr = Field(min_length=16, description="HMAC-SHA256 key shared with the receiver")
    events: list[WebhookEvent] = Field(
        default_factory=lambda: list(ALL_WEBHOOK_EVENTS), min_length=1
    )


class ServeSettings(RegistrySettings, StoreSettings, DateBounds):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    model_uri: str | None = Field(
        default=None,
        description="models:/name@alias, models:/name/version, an MLflow model folder or a "
        "saved model folder; default: the registry's champion",
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
    store_probe_seconds: float = Field(
        default=2.0,
        ge=0.1,
        le=60.0,
        description="how often a background thread checks that the store takes writes; "
        "/ready fails once 3 probes in a row are missing or the latest check failed",
    )
    drift_leads: int = Field(
        default=1000, ge=10, le=100_000, description="newest scorings the drift report compares"
    )
    drift_min_leads: int = Field(
        default=200, ge=10, description="fewer scorings than this: too few to judge drift"
    )
    drift_warning: float = Field(default=0.1, gt=0, description="PSI from which drift is a warning")
    drift_alarm: float = Field(default=0.25, gt=0, description="PSI from which drift is an alarm")
    holding_days: int = Field(
        default=90, ge=1, le=3650, description="window of scorings whose outcomes are checked"
    )
    holding_min_per_grade: int = Field(
        default=30, ge=1, description="closed A and D leads needed before grades are judged"
    )
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
    keys_file: Path | None = Field(
        default=None,
        description="TOML file of API keys (SHA-256 hashes) with their client and roles, "
        "re-read when it changes; none = open service",
    )
    erase_roles: list[Role] = Field(
        default_factory=lambda: [Role.ADMIN],
        description="roles that may erase a lead's personal data (admin always may)",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="largest request body, read before anything else"
    )
    ui_session_minutes: int = Field(
        default=480, ge=1, le=43_200, description="how long a sign-in to the /ui pages lasts"
    )
    rate_limit_per_minute: int = Field(
        default=0, ge=0, description="requests per minute per client, per process; 0 = no limit"
    )
    webhooks: list[WebhookTarget] = Field(
        default_factory=list,
        description='JSON list of {"url", "secret", "events"}: where to push events for sales',
    )
    webhook_retry_hours: float = Field(
        default=24.0, gt=0, le=24 * 14, description="how long a failing delivery is retried"
    )
    webhook_poll_seconds: float = Field(
        default=2.0, gt=0, le=600, description="how often the sender looks for due events"
    )

    @property
    def resolved_model_uri(self) -> str:
        return self.model_uri or alias_uri(self.model_name, CHAMPION)

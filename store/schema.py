"""The lead store's tables: leads, their score history and their outcome events.

``migrations/versions`` creates exactly these tables; change both together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.models import as_utc

# Named constraints, so that later migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An auto-incrementing id: BIGINT on PostgreSQL; SQLite only autoincrements INTEGER keys.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type: values are stored as naive UTC text and tagged UTC on
    the way out, so Python code sees the same aware datetimes on every backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Lead(Base):
    """One row per lead ever scored.

    ``first_score_id`` / ``latest_score_id`` point into ``scores`` (the point-in-time copy
    used for training, and the grade and route in force now). They are set in the same
    transaction as the score they point to, so they are never NULL once committed; they
    carry no foreign key because ``scores`` already references ``leads`` and a cycle would
    need ALTER TABLE, which SQLite cannot do.
    """

    __tablename__ = "leads"

    lead_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    # When the lead arrived: the creation time the CRM sent with its first score, if any.
    # Reports count a lead in the period it arrived; its follow-up clock starts at its first
    # score (when sales was told), see store.queries.follow_up_due.
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_score_id: Mapped[int | None] = mapped_column(Id)
    latest_scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_score_id: Mapped[int | None] = mapped_column(Id)


class Score(Base):
    """Every scoring of a lead, appended, never updated."""

    __tablename__ = "scores"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability_range"),
        CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="grade"),
        CheckConstraint("queue IN ('sales', 'nurture')", name="queue"),
        Index("ix_scores_lead_id_scored_at", "lead_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(255), ForeignKey("leads.lead_id"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str] = mapped_column(String(255))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(1))
    route: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Copied out of ``route`` so that the overdue report is one indexed query.
    queue: Mapped[str] = mapped_column(String(16))
    follow_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    model_name: Mapped[str] = mapped_column(String(255))
    model_version: Mapped[str | None] = mapped_column(String(64))
    model_run_id: Mapped[str | None] = mapped_column(String(64))


class OutcomeEvent(Base):
    """What sales reported about a lead: stages and outcomes, appended.

    The latest outcome (won, lost, disqualified) counts; stages (accepted, opportunity)
    record progress on the way and never override an outcome.
    """

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('accepted', 'opportunity', 'won', 'lost', 'disqualified')",
            name="outcome",
        ),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        # NULL keys never collide, so events sent without a key are all stored.
        UniqueConstraint("client", "idempotency_key", name="uq_outcomes_client_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(255), ForeignKey("leads.lead_id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    canonical_reason: Mapped[str | None] = mapped_column(String(32))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # sha256 of the request as received, to tell a retry from a reused key.
    body_hash: Mapped[str] = mapped_column(String(64))


class Erasure(Base):
    """That a lead's personal data was erased, when, at whose request, and why.

    The lead's id is not kept: its remaining anonymous rows carry ``pseudonym`` instead.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(255))
    basis: Mapped[str] = mapped_column(String(16))  # "request" or "retention"
    scores: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[int] = mapped_column(Integer)


class PersonalWord(Base):
    """A salted digest of one word of a lead's name, email or phone (never the word).

    Sales' notes and reasons arrive long after the lead's personal values were dropped;
    these digests let the store scrub the lead's own name from them all the same (see
    :mod:`features.scrubbing`). Erasure deletes them with the rest.
    """

    __tablename__ = "personal_words"

    lead_id: Mapped[str] = mapped_column(String(255), ForeignKey("leads.lead_id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(32), primary_key=True)


class WebhookDelivery(Base):
    """The webhook outbox: one row per event and target URL, until it is delivered.

    ``event_id`` is the same for every target of one event, and the receiver's key for
    deduplication. A sender claims due rows for ``claimed_until`` (a lease), posts them,
    then marks them delivered or sets the next attempt.
    """

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "target", name="uq_webhook_outbox_event_id"),
        Index("ix_webhook_outbox_next_attempt_at", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookCursor(Base):
    """How far the outbox has read the scores: the last score id turned into events."""

    __tablename__ = "webhook_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_score_id: Mapped[int] = mapped_column(Id)


metadata = Base.metadata

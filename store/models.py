"""What goes into the lead store and what comes out of it, as pydantic models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from features.request import PRINTABLE_TEXT, not_a_number
from store.paging import make_cursor, read_cursor

Outcome = Literal["won", "lost", "disqualified"]
# Progress that is not an outcome: sales took the lead, an opportunity was opened.
Stage = Literal["accepted", "opportunity"]
Feedback = Literal[Outcome, Stage]  # one literal, so an error names the field alone
OUTCOMES: tuple[str, ...] = get_args(Outcome)
STAGES: tuple[str, ...] = get_args(Stage)
# Clocks of the CRM and the service may disagree by this much.
FUTURE_TOLERANCE = timedelta(minutes=5)
# The instants with a UTC equivalent: an aware datetime outside cannot be converted.
_CONVERTIBLE = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
Grade = Literal["A", "B", "C", "D"]


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class OutcomeIn(BaseModel):
    """What sales reports about a lead: a stage (accepted, opportunity) or an outcome.

    Stages are progress, not labels: a later won, lost or disqualified supersedes them.
    The earliest accepted ``occurred_at`` is a setting, checked where the API receives it
    (``LEADGRADE_EARLIEST_DATE``, see ``features.request.DateBounds``).
    """

    model_config = ConfigDict(extra="forbid")

    outcome: Feedback = Field(
        description="accepted or opportunity (stages), or won, lost, disqualified (outcomes)"
    )
    reason: str | None = Field(default=None, max_length=2000, pattern=PRINTABLE_TEXT)
    rating: int | None = Field(default=None, ge=1, le=5)
    note: str | None = Field(default=None, max_length=2000, pattern=PRINTABLE_TEXT)
    occurred_at: Annotated[datetime | None, BeforeValidator(not_a_number)] = None

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Normalised so that "10:00+01:00" and "09:00Z" are the same body for idempotency.
        if value is None:
            return None
        low, high = _CONVERTIBLE  # 0001-01-01T00:00+01:00 has no UTC equivalent
        if value.tzinfo is not None and not low <= value <= high:
            raise ValueError("occurred_at has no UTC equivalent")
        value = as_utc(value)
        # The latest outcome is the one that happened last: a date in the future (a typo
        # such as 2099) would outrank every later correction, so it is refused.
        if value > datetime.now(UTC) + FUTURE_TOLERANCE:
            raise ValueError("occurred_at is in the future; send when the outcome happened")
        return value


class _OutcomeFields(BaseModel):
    event_id: int
    lead_id: str
    outcome: Feedback
    reason: str | None
    canonical_reason: str | None
    rating: int | None
    note: str | None
    occurred_at: datetime
    recorded_at: datetime


class OutcomeReceipt(_OutcomeFields):
    """The stored event; ``replayed`` is true when an idempotent retry returned it again."""

    replayed: bool


class OutcomeRecord(_OutcomeFields):
    """An outcome event in a lead's history, with the client that reported it."""

    reported_by: str


class Route(BaseModel):
    queue: Literal["sales", "nurture"]
    follow_up_within_hours: int | None = Field(default=None, ge=0)
    track: str | None = None
    re_engage_on: date | None = None  # absent from scores stored before nurture tracks


class ModelRef(BaseModel):
    """The model that scored: a registry version, or none for a model served from a file."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    name: str
    version: str | None = None
    run_id: str | None = None


class ScoreResult(BaseModel):
    """The part of a score response the store keeps; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    lead_id: str
    score: float = Field(ge=0, le=100)
    probability: float = Field(ge=0, le=1)
    grade: Grade
    route: Route
    reasons: list[dict[str, Any]] | None = None
    model: ModelRef


class ScoreRecord(BaseModel):
    """One scoring of a lead: its (redacted) fields and the response it got."""

    score_id: int
    scored_at: datetime
    client: str
    fields: dict[str, Any]
    score: float
    probability: float
    grade: Grade
    route: Route
    reasons: list[dict[str, Any]] | None
    model: ModelRef


class LeadHistory(BaseModel):
    """Everything the store knows about one lead, newest first."""

    lead_id: str
    first_scored_at: datetime
    scores: list[ScoreRecord] = Field(description="newest first: one page of them")
    outcomes: list[OutcomeRecord] = Field(description="every outcome and stage, newest first")
    newest_score: ScoreRecord = Field(exclude=True)
    newest_explained: ScoreRecord | None = Field(default=None, exclude=True)
    next_cursor: str | None = Field(
        default=None, description="pass as ?cursor= for the next page of scores; null: no more"
    )


def score_cursor(score: ScoreRecord) -> str:
    """The position after this score in a lead's scores (newest first)."""
    return make_cursor([score.scored_at.isoformat(), score.score_id])


def read_score_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a score cursor names; ValueError for anything this service did not hand out."""
    at, score_id = read_cursor(cursor, str, int)
    try:
        return as_utc(datetime.fromisoformat(str(at))), int(score_id or 0)
    except ValueError as exc:
        raise ValueError("not a cursor of this service: use next_cursor as given") from exc

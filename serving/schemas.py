"""Response models of the API (they also document it in /docs and in docs/openapi.json).

Each operation answers one schema: a score is a :class:`ScoreOut` whether or not it was
explained (the explained parts are optional fields), a batch a :class:`ScoreBatchOut`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from models.report import ModelReport
from store.models import ModelRef, Route

# The one way to page an answer (see store.paging): ?limit= items after ?cursor=.
PAGE_ERRORS = "A limit out of range, or a cursor not handed out here"
Cursor = Annotated[
    str | None, Query(max_length=2000, description="next_cursor of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=500, description="items per page (1 to 500)")]


class _ScoreFields(BaseModel):
    lead_id: str
    score: float = Field(ge=0, le=100, description="calibrated probability × 100")
    probability: float = Field(ge=0, le=1, description="calibrated probability to be won")
    grade: Literal["A", "B", "C", "D"]
    route: Route
    model: ModelRef


class ReasonOut(BaseModel):
    field: str = Field(description="the input field, as named in the spec")
    value: Any = Field(description="the value as sent; null when not given")
    points: float = Field(description="effect on the score, in points of the 0–100 scale")
    sentence: str = Field(description="the reason in words, with evidence from training data")


class ScoreOut(_ScoreFields):
    """One lead's grade. With ``explain=true`` also ``reasons``, ``fit`` and ``engagement``
    (the base points plus all fields' points give the score); without, they are absent."""

    reasons: list[ReasonOut] | None = Field(
        default=None, description="explain=true: top reasons up (largest first), then down"
    )
    fit: float | None = Field(
        default=None, description="explain=true: points from who the lead is (group 'fit')"
    )
    engagement: float | None = Field(
        default=None, description="explain=true: points from what the lead did ('engagement')"
    )


class ScoreBatchOut(BaseModel):
    """A batch's grades, one per lead sent, in the order sent."""

    scores: list[ScoreOut]


class ContributionOut(ReasonOut):
    log_odds: float = Field(description="TreeSHAP contribution to the raw score (log-odds)")


class ExplanationOut(_ScoreFields):
    """One lead's score taken apart: base points + every field's points = score."""

    base_points: float = Field(description="score of a lead with no effects (model average)")
    base_log_odds: float = Field(description="TreeSHAP expected value of the raw score")
    log_odds: float = Field(description="raw score = base_log_odds + sum of log_odds")
    contributions: list[ContributionOut] = Field(description="every field, largest effect first")
    fit: float | None
    engagement: float | None
    groups: dict[str, float] = Field(description="points per spec group")


class ReportOut(BaseModel):
    model: ModelRef
    trained_at: datetime
    window_start: datetime | None = Field(description="first lead of the training data")
    window_end: datetime | None = Field(description="last lead of the training data")
    report: ModelReport


class ServingOut(BaseModel):
    """Which version serves, which the alias names, and why they differ."""

    alias_version: str | None = Field(description="the version the alias names (registry)")
    degraded: bool = Field(description="a model serves, but not the alias's version")
    last_error: str | None = Field(description="why the last version tried was refused")
    schema_change: str | None = Field(
        description="how the last swap changed the request schema (fields added or removed)"
    )


class ModelOut(BaseModel):
    model: ModelRef
    serving: ServingOut
    card: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok"]


class StoreHealthOut(BaseModel):
    """What the latest write or background probe of the lead store found."""

    ok: bool
    reason: str | None = Field(description="why the store is not ready, if it is not")
    checked_by: Literal["write", "probe"] | None
    checked_at: datetime | None


class ReadyOut(ServingOut):
    status: Literal["ready"]
    model: ModelRef = Field(description="the model being served")
    store: StoreHealthOut


class ReloadOut(ServingOut):
    swapped: bool = Field(description="a new version was loaded, checked and swapped in")
    model: ModelRef


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for programs: invalid_request, lead_not_found, …")
    message: str = Field(description="for people: what went wrong, naming the field")
    details: dict[str, Any] = Field(
        description="more, by code: invalid_request has `errors`, a list of {field, message, type}"
    )


class ErrorOut(BaseModel):
    """Every error answer of the API, whatever the status."""

    error: ErrorDetail


# What any /v1 endpoint may answer before it runs: key, role, body size and rate checks.
KEY_ERRORS: dict[int, str] = {
    401: "No API key, or one the service does not know (when keys are configured)",
    403: "The key lacks the role this endpoint needs",
    413: "Request body larger than the configured limit",
    429: "More requests per minute than the configured limit (see Retry-After)",
}


def error_responses(
    described: Mapping[int, str], *, keyed: bool = True
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries: each status answers an :class:`ErrorOut` (examples are added
    to the document by :mod:`serving.openapi`). ``keyed``: add the key checks' answers."""
    statuses = {**KEY_ERRORS, **described} if keyed else dict(described)
    return {status: {"model": ErrorOut, "description": text} for status, text in statuses.items()}


# The same as constants, for routes that name no statuses of their own.
KEY_RESPONSES = error_responses({})
NO_MODEL = "No model loaded yet"
ERROR_RESPONSES = error_responses(
    {
        413: "Request body or batch larger than the configured limit",
        422: "Invalid lead: unknown field, wrong type, or missing lead id",
        503: NO_MODEL,
    }
)

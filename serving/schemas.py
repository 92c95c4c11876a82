"""Response models of the API (they also document it in /docs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.report import ModelReport


class RouteOut(BaseModel):
    queue: Literal["sales", "nurture"]
    follow_up_within_hours: int | None = Field(description="sales follow-up deadline (A, B)")
    track: str | None = Field(
        description="C, D: nurture track by the likely loss reason (re_engage_later, "
        "education, find_right_contact, general); 'target_account' for a target account"
    )
    re_engage_on: date | None = Field(
        default=None, description="re_engage_later track: the day to contact the lead again"
    )


class ModelRef(BaseModel):
    name: str
    version: str | None
    run_id: str | None


class ScoreOut(BaseModel):
    lead_id: str
    score: float = Field(ge=0, le=100, description="calibrated probability × 100")
    probability: float = Field(ge=0, le=1, description="calibrated probability to be won")
    grade: Literal["A", "B", "C", "D"]
    route: RouteOut
    model: ModelRef


class ReasonOut(BaseModel):
    field: str = Field(description="the input field, as named in the spec")
    value: Any = Field(description="the value as sent; null when not given")
    points: float = Field(description="effect on the score, in points of the 0–100 scale")
    sentence: str = Field(description="the reason in words, with evidence from training data")


class ScoreExplainedOut(ScoreOut):
    """A score with ``?explain=true``: the base points plus all fields' points give the score."""

    reasons: list[ReasonOut] = Field(description="top reasons up (largest first), then down")
    fit: float | None = Field(description="points from who the lead is (spec group 'fit')")
    engagement: float | None = Field(
        description="points from what the lead did (spec group 'engagement')"
    )


class ContributionOut(ReasonOut):
    log_odds: float = Field(description="TreeSHAP contribution to the raw score (log-odds)")


class ExplanationOut(ScoreOut):
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


class ReadyOut(ServingOut):
    status: Literal["ready"]
    model: ModelRef


class ReloadOut(ServingOut):
    swapped: bool = Field(description="a new version was loaded, checked and swapped in")
    model: ModelRef


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorDetail


KEY_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        401: "No API key, or one the service does not know (when keys are configured)",
        403: "The key lacks the role this endpoint needs",
        413: "Request body larger than the configured limit",
        429: "More requests per minute than the configured limit (see Retry-After)",
    }.items()
}
"""What any /v1 endpoint may answer before it runs: key, role, body size and rate checks."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = KEY_RESPONSES | {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        413: "Request body or batch larger than the configured limit",
        422: "Invalid lead: unknown field, wrong type, or missing lead id",
        503: "No model loaded yet",
    }.items()
}

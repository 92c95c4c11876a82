"""Response models of the API (they also document it in /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class RouteOut(BaseModel):
    queue: Literal["sales", "nurture"]
    follow_up_within_hours: int | None = Field(description="sales follow-up deadline (A, B)")
    track: str | None = Field(description="nurture track (C, D) or 'target_account'")


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


class ModelOut(BaseModel):
    model: ModelRef
    card: dict[str, Any]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        413: "Batch larger than the configured limit",
        422: "Invalid lead: unknown field, wrong type, or missing lead id",
        503: "No model loaded yet",
    }.items()
}

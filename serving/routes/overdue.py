"""GET /v1/reports/overdue: leads routed to sales whose follow-up deadline passed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serving.deps import StoreDep
from serving.overdue import OverdueOut, read_overdue
from serving.schemas import ErrorOut

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No or a wrong API key (when keys are configured)"},
    503: {"model": ErrorOut, "description": "The lead store failed"},
}


@router.get("/overdue", response_model=OverdueOut, responses=_RESPONSES)
def get_overdue(store: StoreDep) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no outcome reported."""
    return read_overdue(store)

"""GET /v1/reports/overdue: leads routed to sales whose follow-up deadline passed."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import StoreDep
from serving.keys import Role
from serving.overdue import OverdueOut, read_overdue
from serving.schemas import error_responses

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_role(Role.MARKETING))],
)

_RESPONSES = error_responses({503: "The lead store failed"})


@router.get("/overdue", response_model=OverdueOut, responses=_RESPONSES)
def get_overdue(store: StoreDep) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no outcome reported."""
    return read_overdue(store)

"""GET /v1/reports/overdue: leads routed to sales whose follow-up deadline passed."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import SourceDep, StoreDep
from serving.keys import Role
from serving.overdue import OverdueOut, read_overdue
from serving.routes.alignment import FiltersDep
from serving.schemas import error_responses

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_role(Role.MARKETING))],
)

_RESPONSES = error_responses({503: "The lead store failed"})


@router.get("/overdue", response_model=OverdueOut, responses=_RESPONSES)
def get_overdue(store: StoreDep, source: SourceDep, filters: FiltersDep) -> OverdueOut:
    """Leads routed to sales whose follow-up deadline passed with nothing reported (no stage,
    no outcome), most overdue first; filtered like the other alignment reports."""
    return read_overdue(store, source, filters)

"""GET /v1/reports/overdue: leads routed to sales whose follow-up deadline passed."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import SourceDep, StoreDep
from serving.keys import Role
from serving.overdue import OverdueOut, read_overdue
from serving.routes.alignment import FiltersDep
from serving.schemas import PAGE_ERRORS, Cursor, Limit, error_responses

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_role(Role.MARKETING))],
)

_RESPONSES = error_responses({422: PAGE_ERRORS, 503: "The lead store failed"})


@router.get("/overdue", response_model=OverdueOut, responses=_RESPONSES)
def get_overdue(
    store: StoreDep,
    source: SourceDep,
    filters: FiltersDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OverdueOut:
    """Leads routed to sales whose follow-up deadline passed with nothing reported (no stage,
    no outcome), most overdue first; filtered like the other alignment reports. Grade, route
    and deadline are those of each lead's first score, as in the follow-up report. A page at
    a time: follow `next_cursor` (null on the last page); `count` is of all pages."""
    return read_overdue(store, source, filters, limit=limit, cursor=cursor)

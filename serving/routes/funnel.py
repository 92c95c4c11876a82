"""GET /v1/reports/funnel: how leads fare by campaign, source, grade and month."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from serving.auth import require_role
from serving.deps import SourceDep, StoreDep
from serving.funnel import FunnelOut, dimensions, read_funnel
from serving.keys import Role
from serving.schemas import PAGE_ERRORS, Cursor, Limit, error_responses
from store.funnel import Dimension

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_role(Role.MARKETING))],
)


@router.get(
    "/funnel",
    response_model=FunnelOut,
    responses=error_responses(
        {
            422: f"An unknown dimension, or one given twice. {PAGE_ERRORS}",
            503: "The lead store failed",
        }
    ),
)
def get_funnel(
    store: StoreDep,
    source: SourceDep,
    by: Annotated[
        list[Dimension],
        Query(
            default_factory=list,
            description="campaign, source, grade or month; repeat it to combine "
            "(by=campaign&by=month), each at most once; none: campaign",
            json_schema_extra={"uniqueItems": True},
        ),
    ],
    limit: Limit = 100,
    cursor: Cursor = None,
) -> FunnelOut:
    """How leads fare per group: leads, share graded A or B, worked (any outcome), won, lost,
    win rate, median days to outcome and the top loss reasons with counts.

    Campaign, source and grade are the lead's as first scored (what sales was told), the
    month (UTC) that of its arrival (its `created_at`, else its first score); a lead counts
    by its latest outcome. Groups come a page
    at a time, in group order: follow `next_cursor` (null on the last page).
    """
    return read_funnel(store, source, dimensions(by), limit=limit, cursor=cursor)

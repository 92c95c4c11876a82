"""Reports from the lead store: the funnel by campaign, source, grade, month; overdue leads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from serving.deps import SourceDep, StoreDep
from serving.reporting import FunnelOut, OverdueOut, dimensions, funnel_report, overdue_report
from serving.schemas import UNAUTHORIZED, error_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_RESPONSES = error_responses({401: UNAUTHORIZED, 503: "The lead store failed"})


@router.get(
    "/funnel",
    response_model=FunnelOut,
    responses=error_responses(
        {401: UNAUTHORIZED, 422: "Unknown dimension", 503: "The lead store failed"}
    ),
)
def get_funnel(
    store: StoreDep,
    source: SourceDep,
    by: Annotated[
        list[str] | None,
        Query(
            description="campaign, source, grade or month; repeat it or separate by commas "
            "to combine (by=campaign,month); default: campaign"
        ),
    ] = None,
) -> FunnelOut:
    """How leads fare per group: leads, share graded A or B, worked (any outcome), won, lost,
    win rate, median days to outcome and the top loss reasons with counts.

    Campaign and source are the lead's as first scored, the grade its latest, the month
    (UTC) when it was first scored; a lead counts by its latest outcome.
    """
    return funnel_report(store, source, dimensions(by or []))


@router.get("/overdue", response_model=OverdueOut, responses=_RESPONSES)
def get_overdue(store: StoreDep) -> OverdueOut:
    """A and B leads routed to sales whose follow-up deadline passed with no outcome reported."""
    return overdue_report(store)

"""The alignment reports: common metrics, the follow-up promise, target accounts, campaigns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from features.request import IsoDate
from serving.alignment import (
    CampaignChangesOut,
    Filters,
    FollowUpOut,
    KpisOut,
    TargetAccountsOut,
    kpis_csv,
    read_campaign_changes,
    read_follow_up,
    read_kpis,
    read_target_accounts,
)
from serving.auth import require_role
from serving.deps import SourceDep, StoreDep
from serving.keys import Role
from serving.schemas import KEY_RESPONSES, ErrorOut
from store.follow_up import FollowUpBy
from store.lead_facts import Period
from store.models import Grade

# Reports are for marketing (and admin), like the funnel.
router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_role(Role.MARKETING))],
)

_RESPONSES: dict[int | str, dict[str, Any]] = KEY_RESPONSES | {
    422: {"model": ErrorOut, "description": "A query parameter is invalid (named in details)"},
    503: {"model": ErrorOut, "description": "The lead store failed"},
}


def filters(
    since: Annotated[IsoDate | None, Query(description="leads that arrived on or after")] = None,
    until: Annotated[
        IsoDate | None,
        Query(description="leads that arrived on or before; before since: nothing"),
    ] = None,
    campaign: Annotated[str | None, Query(max_length=255)] = None,
    grade: Annotated[Grade | None, Query(description="the grade of the lead's first score")] = None,
    client: Annotated[str | None, Query(max_length=255, description="the CRM client")] = None,
) -> Filters:
    """The shared report filters (FastAPI has validated each; 422 naming the field).

    Any two days make a range: until before since selects no lead, an answer, not an error.
    """
    return Filters(since=since, until=until, campaign=campaign, grade=grade, client=client)


FiltersDep = Annotated[Filters, Depends(filters)]
PeriodQuery = Annotated[Period, Query(description="week (ISO), month or quarter, in UTC")]


@router.get(
    "/kpis",
    response_model=KpisOut,
    responses={**_RESPONSES, 200: {"content": {"text/csv": {}}}},
)
def get_kpis(
    store: StoreDep,
    source: SourceDep,
    filters: FiltersDep,
    period: PeriodQuery = "month",
    format: Annotated[Literal["json", "csv"], Query(description="csv downloads a file")] = "json",
) -> Any:
    """The common metrics per period: leads, share graded A or B, accepted, opportunities,
    won, lost, win rate of worked leads, median days to first feedback and the follow-up
    rate. A lead counts in the period it arrived (its `created_at`, else its first score),
    with the grade of its first score; periods without leads are zeros, not gaps.
    """
    report = read_kpis(store, source, period, filters)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="kpis-by-{period}.csv"'}
        return Response(kpis_csv(report.rows), media_type="text/csv", headers=headers)
    return report


@router.get("/follow-up", response_model=FollowUpOut, responses=_RESPONSES)
def get_follow_up(
    store: StoreDep,
    source: SourceDep,
    filters: FiltersDep,
    by: Annotated[FollowUpBy, Query(description="period, campaign, grade or client")] = "period",
    period: PeriodQuery = "month",
) -> FollowUpOut:
    """The follow-up promise for leads routed to sales (A, B, target accounts): feedback on
    time, late, missing (deadline passed) or pending, per group. Any report counts as
    feedback, a stage or an outcome; the deadline runs from the lead's first score (when
    sales was told), not from its `created_at`.
    """
    return read_follow_up(store, source, by, period, filters)


@router.get("/target-accounts", response_model=TargetAccountsOut, responses=_RESPONSES)
def get_target_accounts(
    store: StoreDep, source: SourceDep, filters: FiltersDep
) -> TargetAccountsOut:
    """The spec's target-account list: per account leads, best grade, accepted,
    opportunities, won and last activity; and the accounts with no lead yet.
    """
    return read_target_accounts(store, source, filters)


@router.get("/campaign-changes", response_model=CampaignChangesOut, responses=_RESPONSES)
def get_campaign_changes(
    store: StoreDep, source: SourceDep, filters: FiltersDep
) -> CampaignChangesOut:
    """What each campaign should change, from loss reasons that stand out against the other
    campaigns (the test is in `method`), with the numbers; and campaigns to double down on.
    """
    return read_campaign_changes(store, source, filters)

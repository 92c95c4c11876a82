"""The alignment reports for the API and the monthly page, as plain functions (no FastAPI).

Common metrics by period, the follow-up promise, target-account coverage and the changes
each campaign's loss reasons call for. Campaign and target accounts are read through the
served model's spec; the campaign field falls back to ``campaign`` without a model.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from features.request import IsoDate
from serving.model_source import ModelSource
from serving.storing import store_errors
from store import LeadStore
from store.accounts import TargetAccounts, target_accounts
from store.campaigns import CampaignAdvice, campaign_advice
from store.follow_up import FollowUpBy, FollowUpRow, follow_up
from store.funnel import funnel_fields
from store.kpis import KpiRow, kpis
from store.lead_facts import LeadFilter, Period
from store.models import Grade


class Filters(BaseModel):
    """The filters every alignment report takes; all given must hold."""

    since: IsoDate | None = Field(default=None, description="leads that arrived on or after")
    until: IsoDate | None = Field(default=None, description="leads that arrived on or before")
    campaign: str | None = None
    grade: Grade | None = Field(default=None, description="the grade of the first score")
    client: str | None = Field(default=None, description="the CRM client that scored it")

    def lead_filter(self) -> LeadFilter:
        """The store's filter; ``until`` before ``since`` is an empty range, not an error."""
        return LeadFilter(**self.model_dump())


class KpisOut(BaseModel):
    period: Period
    filters: Filters
    rows: list[KpiRow] = Field(description="every period from the first lead's to the last's")


class FollowUpOut(BaseModel):
    by: FollowUpBy
    period: Period
    filters: Filters
    rows: list[FollowUpRow]


class TargetAccountsOut(TargetAccounts):
    filters: Filters


class CampaignChangesOut(CampaignAdvice):
    filters: Filters


def campaign_field(source: ModelSource) -> str:
    spec = source.current.loaded.scorer.spec if source.ready else None
    return funnel_fields(spec)[0]


def read_kpis(store: LeadStore, source: ModelSource, period: Period, filters: Filters) -> KpisOut:
    keep = filters.lead_filter()
    with store_errors("computing the common metrics", "they cannot be shown"):
        rows = kpis(store, period, keep=keep, campaign_field=campaign_field(source))
    return KpisOut(period=period, filters=filters, rows=rows)


def read_follow_up(
    store: LeadStore, source: ModelSource, by: FollowUpBy, period: Period, filters: Filters
) -> FollowUpOut:
    keep = filters.lead_filter()
    with store_errors("checking the follow-up promise", "it cannot be shown"):
        rows = follow_up(
            store, by=by, period=period, keep=keep, campaign_field=campaign_field(source)
        )
    return FollowUpOut(by=by, period=period, filters=filters, rows=rows)


def read_target_accounts(
    store: LeadStore, source: ModelSource, filters: Filters
) -> TargetAccountsOut:
    """Coverage of the served model's target-account list (503 while no model is loaded)."""
    spec = source.current.loaded.scorer.spec
    keep = filters.lead_filter()
    with store_errors("reading the target accounts", "they cannot be shown"):
        report = target_accounts(store, spec, keep, campaign_field(source))
    return TargetAccountsOut(**dict(report), filters=filters)


def read_campaign_changes(
    store: LeadStore, source: ModelSource, filters: Filters
) -> CampaignChangesOut:
    keep = filters.lead_filter()
    today = datetime.now(UTC).date()
    with store_errors("reading the campaigns' loss reasons", "they cannot be shown"):
        advice = campaign_advice(
            store, keep=keep, campaign_field=campaign_field(source), today=today
        )
    return CampaignChangesOut(**dict(advice), filters=filters)


KPI_COLUMNS = list(KpiRow.model_fields)


def kpis_csv(rows: Sequence[KpiRow]) -> str:
    """The common metrics as CSV, one line per period, rates as fractions, blanks for none."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=KPI_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.model_dump().items()})
    return out.getvalue()

"""The funnel for the API, as plain functions over the lead store (no FastAPI)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from serving.errors import InvalidRequest
from serving.model_source import ModelSource
from serving.storing import invalid_cursor, store_errors
from store import LeadStore
from store.funnel import Dimension, FunnelRow, funnel, funnel_fields, funnel_page

DEFAULT_BY: tuple[Dimension, ...] = ("campaign",)


class FunnelOut(BaseModel):
    by: list[Dimension] = Field(description="the dimensions the leads are grouped by")
    fields: dict[str, str] = Field(
        description="the lead fields read as campaign and source (from the served model's spec)"
    )
    rows: list[FunnelRow] = Field(description="one page of groups, in group order")
    next_cursor: str | None = Field(
        default=None, description="pass as ?cursor= for the next page; null: no more"
    )


def dimensions(values: Sequence[Dimension]) -> list[Dimension]:
    """The ``by`` query values (default: campaign); a dimension given twice is a 422 naming
    ``by`` (the schema says ``uniqueItems``; FastAPI has checked each is a dimension)."""
    twice = sorted({value for value in values if values.count(value) > 1})
    if twice:
        message = f"{twice[0]!r} is given twice"
        error = {"field": "by", "message": message, "type": "value_error"}
        raise InvalidRequest(f"by: {message}", errors=[error])
    return list(values) or list(DEFAULT_BY)


def read_funnel(
    store: LeadStore,
    source: ModelSource,
    by: Sequence[Dimension],
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> FunnelOut:
    """Leads, A/B share, worked, won, lost, win rate, days to outcome and loss reasons by group;
    ``limit`` groups after ``cursor`` (every group without a limit).

    Campaign and source are read from the fields the served model's spec has for them
    (see :func:`store.funnel.funnel_fields`); without a model, the defaults.
    """
    spec = source.current.loaded.scorer.spec if source.ready else None
    campaign, lead_source = funnel_fields(spec)
    with store_errors("building the funnel report", "it cannot be shown"):
        rows = funnel(store, by, campaign_field=campaign, source_field=lead_source)
    next_cursor = None
    if limit is not None or cursor is not None:
        with invalid_cursor():
            rows, next_cursor = funnel_page(rows, by, limit=limit or len(rows), cursor=cursor)
    fields = {"campaign": campaign, "source": lead_source}
    return FunnelOut(by=list(by), fields=fields, rows=rows, next_cursor=next_cursor)

"""A lead's outcome from sales (POST /v1/leads/{lead_id}/outcome) and its history (GET)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response, status

from features.request import LEAD_ID_PATTERN
from serving.auth import CallerDep, ClientDep, require_role
from serving.deps import MetricsDep, SettingsDep, SourceDep, StoreDep
from serving.errors import InvalidRequest
from serving.keys import Role
from serving.schemas import PAGE_ERRORS, Cursor, Limit, error_responses
from serving.storing import LeadOut, erase_lead, lead_view, record_outcome
from store import OutcomeIn, OutcomeReceipt
from store.erasure import ErasureReceipt

router = APIRouter(
    prefix="/v1/leads", tags=["feedback"], dependencies=[Depends(require_role(Role.CRM))]
)

LeadId = Annotated[
    str,
    Path(
        min_length=1, max_length=200, pattern=LEAD_ID_PATTERN, description="the lead id as scored"
    ),
]


_NOT_SCORED = "The lead was never scored"


def _outcome_body(event: OutcomeIn, settings: SettingsDep) -> OutcomeIn:
    """The body, its ``occurred_at`` not before LEADGRADE_EARLIEST_DATE (422 naming it)."""
    if event.occurred_at is not None:
        try:
            settings.check(event.occurred_at)
        except ValueError as exc:
            error = {"field": "occurred_at", "message": str(exc), "type": "value_error"}
            raise InvalidRequest(f"occurred_at: {exc}", errors=[error]) from exc
    return event


@router.post(
    "/{lead_id}/outcome",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeReceipt,
    responses={
        200: {"model": OutcomeReceipt, "description": "A retry: the first answer, replayed"},
        **error_responses(
            {
                404: _NOT_SCORED,
                422: "Invalid body, or the idempotency key was used for another body",
                503: "The lead store failed: nothing was stored",
            }
        ),
    },
)
def post_outcome(
    lead_id: LeadId,
    event: Annotated[OutcomeIn, Depends(_outcome_body)],
    response: Response,
    client: ClientDep,
    store: StoreDep,
    source: SourceDep,
    metrics: MetricsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="makes retries safe: the same key and body return the first answer",
        ),
    ] = None,
) -> OutcomeReceipt:
    """Record what sales reported: won, lost or disqualified, why, a rating and a note.

    Answered only after the event is committed (201). With an `Idempotency-Key`, a retry
    with the same body returns the first answer (200, `replayed: true`) and stores nothing;
    the same key with another body is a 422 (`idempotency_conflict`). The reason is mapped
    to a canonical one by the served model's spec (`[feedback.reasons]`); unmapped reasons
    are kept and count as `other`.
    """
    receipt = record_outcome(
        store, source, lead_id, event, client=client, idempotency_key=idempotency_key
    )
    if receipt.replayed:
        response.status_code = status.HTTP_200_OK
    else:
        metrics.count_outcome(receipt.outcome, receipt.canonical_reason)
    return receipt


async def _may_erase(caller: CallerDep, settings: SettingsDep) -> str:
    """Admin, or a role named in LEADGRADE_ERASE_ROLES (403 otherwise)."""
    return (await require_role(*settings.erase_roles)(caller)).client


@router.delete(
    "/{lead_id}",
    response_model=ErasureReceipt,
    responses=error_responses({404: _NOT_SCORED, 503: "The lead store failed: nothing was erased"}),
)
def erase(
    lead_id: LeadId, store: StoreDep, client: Annotated[str, Depends(_may_erase)]
) -> ErasureReceipt:
    """Erase the lead's personal data (GDPR art. 17); admin, or roles in LEADGRADE_ERASE_ROLES.

    Its id, explanations, sales' notes and reason texts go; the anonymous fields as scored,
    grades and outcomes stay under a random pseudonym for training and reports, and the
    erasure is recorded. Afterwards the lead is unknown (404) under its id.
    """
    return erase_lead(store, lead_id, client=client)


@router.get(
    "/{lead_id}",
    response_model=LeadOut,
    responses=error_responses(
        {
            404: _NOT_SCORED,
            422: PAGE_ERRORS,
            503: "The lead store failed",
        }
    ),
)
def get_lead(
    lead_id: LeadId,
    store: StoreDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> LeadOut:
    """The lead's scores (fields as scored, grade, route, reasons), a page at a time, newest
    first, and its outcomes; `latest_score` and `latest_reasons` are the newest whatever
    the page. Follow `next_cursor` (null on the last page) for older scores."""
    return lead_view(store, lead_id, limit=limit, cursor=cursor)

"""POST /v1/leads/score (one lead), /v1/leads/score/batch (a list) and /v1/leads/explain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from serving.auth import ClientDep, require_role
from serving.deps import MetricsDep, ModelDep, SettingsDep, StoreDep
from serving.errors import InvalidRequest
from serving.explaining import explain_lead as explain_one
from serving.keys import Role
from serving.schemas import NO_MODEL, ExplanationOut, ScoreBatchOut, ScoreOut, error_responses
from serving.score_request import ScoreRequest, answer

router = APIRouter(prefix="/v1/leads", tags=["scoring"])

BATCH_PATH = "/v1/leads/score/batch"
# A list sent to /score is the 0.1 batch form: still answered (a bare list) until 0.3.
DEPRECATED_LIST = {"Deprecation": "true", "Link": f'<{BATCH_PATH}>; rel="successor-version"'}

Explain = Annotated[
    bool, Query(description="add top reasons, fit and engagement (slower: TreeSHAP)")
]
Top = Annotated[int, Query(ge=1, le=20, description="reasons per direction")]
Backfill = Annotated[
    bool,
    Query(
        description="history: store each lead as scored when it was created (its `created_at`, "
        "never later than now), so its follow-up deadline runs from then; no webhook event"
    ),
]
_INVALID = "Invalid lead: unknown field, wrong type, or missing lead id"
_STORE = "No model loaded yet, or the lead store failed (nothing was stored)"


@router.post(
    "/score",
    response_model=ScoreOut,
    response_model_exclude_unset=True,
    responses=error_responses({422: _INVALID, 503: _STORE}),
    openapi_extra={"x-lead-schema": "one"},
    dependencies=[Depends(require_role(Role.CRM))],
)
async def score_lead(
    body: Annotated[Any, Body(description="One lead")],
    model: ModelDep,
    settings: SettingsDep,
    store: StoreDep,
    client: ClientDep,
    metrics: MetricsDep,
    explain: Explain = False,
    top: Top = 3,
) -> Any:
    """Grade one lead: score, calibrated probability, grade, route and model.

    The lead schema is the loaded model's own (see the request body below); unknown fields
    and wrong types are rejected with 422 naming the field, absent fields count as missing.
    With `explain=true` the answer also has `reasons` (the `top` largest effects up, then
    down, in score points, each with a sentence quoting training data), `fit` and
    `engagement` (points per spec group).

    The lead is stored as scored (personal data redacted) before the answer is sent: if
    the lead store fails, the request is a 503 (`store_unavailable`) and nothing is stored.

    Deprecated: a list of leads is still accepted here and answered with a bare list (as in
    0.1), with a `Deprecation` header, until 0.3; send lists to `POST /v1/leads/score/batch`.
    """
    if isinstance(body, list):
        deprecated = ScoreRequest(body, client, settings.max_batch, explain, top)
        results = await answer(deprecated, model, store)
        metrics.count_scores(results)
        return JSONResponse(results, headers=DEPRECATED_LIST)
    request = ScoreRequest(body, client, 1, explain, top)
    # The scorer builds results in the documented shape: a JSONResponse skips validating
    # them again against the response model (which stays for the OpenAPI document).
    result = await answer(request, model, store)
    metrics.count_scores([result])
    return JSONResponse(result)


@router.post(
    "/score/batch",
    response_model=ScoreBatchOut,
    response_model_exclude_unset=True,
    responses=error_responses(
        {
            413: "Request body larger than the configured limit, or more leads than "
            "LEADGRADE_MAX_BATCH",
            422: f"{_INVALID} (the field is named with its index: `2.employees`)",
            503: _STORE,
        }
    ),
    openapi_extra={"x-lead-schema": "batch"},
    dependencies=[Depends(require_role(Role.CRM))],
)
async def score_leads(
    body: Annotated[Any, Body(description="A list of leads (1 to LEADGRADE_MAX_BATCH)")],
    model: ModelDep,
    settings: SettingsDep,
    store: StoreDep,
    client: ClientDep,
    metrics: MetricsDep,
    explain: Explain = False,
    top: Top = 3,
    backfill: Backfill = False,
) -> Any:
    """Grade a batch of leads: one score per lead, in the order sent.

    Each lead is validated as in `POST /v1/leads/score`; one invalid lead fails the whole
    batch with 422 naming its index and field. The batch is stored in one transaction
    before the answer is sent: a store failure is a 503 and nothing of the batch is stored.

    A lead is stored as scored now, and its follow-up deadline runs from now. To load leads
    that arrived before leadgrade was connected (the demo replay does), send
    `backfill=true`: each lead is then stored as scored at its `created_at` (now, if it has
    none or a later one), and no webhook event is raised for it.
    """
    if not isinstance(body, list):
        raise InvalidRequest(
            "send a list of leads here; one lead object goes to POST /v1/leads/score"
        )
    request = ScoreRequest(body, client, settings.max_batch, explain, top, backfill)
    results = await answer(request, model, store)
    metrics.count_scores(results)
    return JSONResponse({"scores": results})


@router.post(
    "/explain",
    response_model=ExplanationOut,
    responses=error_responses({422: _INVALID, 503: NO_MODEL}),
    openapi_extra={"x-lead-schema": "one"},
    dependencies=[Depends(require_role(Role.CRM, Role.MARKETING))],
)
def explain_lead(body: Annotated[Any, Body(description="One lead")], model: ModelDep) -> Any:
    """Take one lead's score apart: base points plus every field's points equal the score.

    Each contribution has the field, its value as sent, its effect in points and in
    log-odds (LightGBM's TreeSHAP), and a sentence with evidence from the training data.
    Nothing is stored.
    """
    return explain_one(body, model)

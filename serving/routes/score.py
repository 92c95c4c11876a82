"""POST /v1/leads/score (optionally with reasons) and POST /v1/leads/explain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from serving.auth import ClientDep, require_role
from serving.deps import MetricsDep, ModelDep, SettingsDep, StoreDep
from serving.explaining import explain_lead
from serving.keys import Role
from serving.schemas import ERROR_RESPONSES, ExplanationOut, ScoreExplainedOut, ScoreOut
from serving.score_request import ScoreRequest, answer

router = APIRouter(prefix="/v1/leads", tags=["scoring"])


@router.post(
    "/score",
    # Explained first: a plain score lacks its required fields, so it falls through to ScoreOut.
    response_model=ScoreExplainedOut | ScoreOut | list[ScoreExplainedOut] | list[ScoreOut],
    responses=ERROR_RESPONSES,
    openapi_extra={"x-lead-schema": True},
    dependencies=[Depends(require_role(Role.CRM))],
)
async def score(
    body: Annotated[Any, Body(description="One lead, or a list of leads")],
    model: ModelDep,
    settings: SettingsDep,
    store: StoreDep,
    client: ClientDep,
    metrics: MetricsDep,
    explain: Annotated[
        bool, Query(description="add top reasons, fit and engagement (slower: TreeSHAP)")
    ] = False,
    top: Annotated[int, Query(ge=1, le=20, description="reasons per direction")] = 3,
) -> Any:
    """Grade one lead or a batch: score, calibrated probability, grade, route and model.

    The lead schema is the loaded model's own (see the request body below); unknown fields
    and wrong types are rejected with 422 naming the field, absent fields count as missing.
    A list in gives a list out, in the same order. With `explain=true` each result also
    has `reasons` (the `top` largest effects up, then down, in score points, each with a
    sentence quoting training data), `fit` and `engagement` (points per spec group).

    Every lead is stored as scored (personal data redacted; reasons too with `explain=true`)
    before the answer is sent: if the lead store fails, the request is a 503
    (`store_unavailable`) and nothing of the batch is stored.
    """
    request = ScoreRequest(body, client, settings.max_batch, explain, top)
    # The results are built by the scorer in the documented shape: a JSONResponse skips
    # validating them again against the response model (which stays for the OpenAPI docs).
    results = await answer(request, model, store)
    metrics.count_scores(results if isinstance(results, list) else [results])
    return JSONResponse(results)


@router.post(
    "/explain",
    response_model=ExplanationOut,
    responses=ERROR_RESPONSES,
    openapi_extra={"x-lead-schema": True},
    dependencies=[Depends(require_role(Role.CRM, Role.MARKETING))],
)
def explain(body: Annotated[Any, Body(description="One lead")], model: ModelDep) -> Any:
    """Take one lead's score apart: base points plus every field's points equal the score.

    Each contribution has the field, its value as sent, its effect in points and in
    log-odds (LightGBM's TreeSHAP), and a sentence with evidence from the training data.
    """
    return explain_lead(body, model)

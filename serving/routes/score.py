"""POST /v1/leads/score."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from serving.deps import ModelDep, SettingsDep
from serving.schemas import ERROR_RESPONSES, ScoreOut
from serving.scoring import parse_leads, score_leads

router = APIRouter(prefix="/v1/leads", tags=["scoring"])


@router.post(
    "/score",
    response_model=ScoreOut | list[ScoreOut],
    responses=ERROR_RESPONSES,
    openapi_extra={"x-lead-schema": True},
)
def score(
    body: Annotated[Any, Body(description="One lead, or a list of leads")],
    model: ModelDep,
    settings: SettingsDep,
) -> Any:
    """Grade one lead or a batch: score, calibrated probability, grade, route and model.

    The lead schema is the loaded model's own (see the request body below); unknown fields
    and wrong types are rejected with 422 naming the field, absent fields count as missing.
    A list in gives a list out, in the same order.
    """
    records, is_batch = parse_leads(body, model, settings.max_batch)
    results = score_leads(records, model)
    return results if is_batch else results[0]

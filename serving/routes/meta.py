"""Health, readiness and the model card."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from serving.auth import require_role
from serving.deps import ModelDep, SourceDep
from serving.errors import ModelUnavailable, error_response
from serving.keys import Role
from serving.schemas import ERROR_RESPONSES, ModelOut

router = APIRouter()


@router.get("/health", tags=["operations"])
def health() -> dict[str, str]:
    """Alive: the process answers (says nothing about the model)."""
    return {"status": "ok"}


@router.get("/ready", tags=["operations"], responses={503: ERROR_RESPONSES[503]})
def ready(source: SourceDep) -> JSONResponse:
    """Ready to score: 200 with a model loaded, 503 otherwise."""
    if not source.ready:
        why = source.last_error or "model not loaded yet"
        return error_response(ModelUnavailable(why))
    info = source.current.info
    return JSONResponse({"status": "ready", "model": info.as_dict()})


@router.get(
    "/v1/model",
    tags=["model"],
    response_model=ModelOut,
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require_role(Role.CRM, Role.MARKETING))],
)
def model_card(model: ModelDep) -> ModelOut:
    """The model card: version, training window, row counts, metrics, cut-offs, features."""
    card = model.loaded.scorer.card.model_dump(mode="json")
    return ModelOut.model_validate({"model": model.info.as_dict(), "card": card})

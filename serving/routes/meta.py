"""Health, readiness and the model card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import ModelDep, SourceDep
from serving.errors import ModelUnavailable, error_response
from serving.keys import Role
from serving.schemas import NO_MODEL, HealthOut, ModelOut, ReadyOut, error_responses

router = APIRouter()


@router.get("/health", tags=["operations"], response_model=HealthOut)
def get_health() -> dict[str, str]:
    """Alive: the process answers (says nothing about the model)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    tags=["operations"],
    response_model=ReadyOut,
    responses=error_responses({503: NO_MODEL}, keyed=False),
)
def get_readiness(source: SourceDep) -> Any:
    """Ready to score: 200 with a model loaded, 503 otherwise."""
    if not source.ready:
        why = source.last_error or "model not loaded yet"
        return error_response(ModelUnavailable(why))
    return {"status": "ready", "model": source.current.info.as_dict()}


@router.get(
    "/v1/model",
    tags=["model"],
    response_model=ModelOut,
    responses=error_responses({503: NO_MODEL}),
    dependencies=[Depends(require_role(Role.CRM, Role.MARKETING))],
)
def get_model(model: ModelDep) -> ModelOut:
    """The model card: version, training window, row counts, metrics, cut-offs, features."""
    card = model.loaded.scorer.card.model_dump(mode="json")
    return ModelOut.model_validate({"model": model.info.as_dict(), "card": card})

"""Health, readiness and the model card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

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
    """Ready to score: 200 while a model serves, 503 when none does.

    The body says which version serves, which version the alias names and the last load
    error; `degraded` is true while the served version is not the alias's (a refused new
    champion, or an earlier champion served because the champion cannot be loaded).
    """
    if not source.ready:
        why = source.last_error or "model not loaded yet"
        return error_response(ModelUnavailable(why, **source.status()))
    return JSONResponse({"status": "ready", **source.status()})


@router.get(
    "/v1/model",
    tags=["model"],
    response_model=ModelOut,
    responses=error_responses({503: NO_MODEL}),
    dependencies=[Depends(require_role(Role.CRM, Role.MARKETING))],
)
def get_model(model: ModelDep, source: SourceDep) -> ModelOut:
    """The model card: version, training window, row counts, metrics, cut-offs, features.

    `serving` says which version the alias names and the last load error, as /ready does.
    """
    card = model.loaded.scorer.card.model_dump(mode="json")
    status = source.status()
    return ModelOut.model_validate({"model": model.info.as_dict(), "serving": status, "card": card})

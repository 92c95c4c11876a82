"""Health, readiness and the model card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from serving.auth import require_role
from serving.deps import ModelDep, SourceDep
from serving.errors import ModelUnavailable, StoreUnavailable, error_response
from serving.keys import Role
from serving.schemas import NO_MODEL, HealthOut, ModelOut, ReadyOut, error_responses
from store import LeadStore
from store.health import StoreStatus

router = APIRouter()


# /health and /ready are async on purpose: they run on the event loop, so they answer even
# when every worker thread is stuck on a hung database, and they read only what is in memory.


@router.get("/health", tags=["operations"], response_model=HealthOut)
async def get_health() -> dict[str, str]:
    """Alive: 200 while the process answers (says nothing about the model or the store)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    tags=["operations"],
    response_model=ReadyOut,
    responses=error_responses({503: f"{NO_MODEL}, or the lead store takes no writes"}, keyed=False),
)
async def get_readiness(request: Request, source: SourceDep) -> Any:
    """Ready to score: 200 while a model serves and the lead store takes writes, else 503.

    The body says which version serves, which version the alias names and the last load
    error; `degraded` is true while the served version is not the alias's (a refused new
    champion, or an earlier champion served because the champion cannot be loaded).
    `store` is what the latest write or background probe of the lead store found; it must
    have succeeded within the last 3 probe intervals. Never waits on the database.
    """
    store = _store_status(request).as_dict()
    if not source.ready:
        why = source.last_error or "model not loaded yet"
        return error_response(ModelUnavailable(why, **source.status(), store=store))
    if not store["ok"]:
        why = f"the lead store does not take writes: {store['reason']}"
        return error_response(StoreUnavailable(why, **source.status(), store=store))
    return JSONResponse({"status": "ready", **source.status(), "store": store})


def _store_status(request: Request) -> StoreStatus:
    lead_store: LeadStore | None = getattr(request.app.state, "store", None)
    if lead_store is None:
        return StoreStatus(False, "the lead store is not open", None)
    return lead_store.health.status()


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

"""Health, readiness and the model card."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from serving.auth import require_role
from serving.deps import ModelDep, SourceDep
from serving.errors import ModelUnavailable, StoreUnavailable, error_response
from serving.keys import Role
from serving.schemas import ERROR_RESPONSES, ModelOut
from store import LeadStore
from store.health import StoreStatus

router = APIRouter()


# /health and /ready are async on purpose: they run on the event loop, so they answer even
# when every worker thread is stuck on a hung database, and they read only what is in memory.


@router.get("/health", tags=["operations"])
async def health() -> dict[str, str]:
    """Alive: 200 while the process answers (says nothing about the model or the store)."""
    return {"status": "ok"}


@router.get("/ready", tags=["operations"], responses={503: ERROR_RESPONSES[503]})
async def ready(request: Request, source: SourceDep) -> JSONResponse:
    """Ready to score: a model serves and the store's latest write or probe succeeded.

    503 with the reason otherwise. Never waits on the database: a background probe keeps
    the store's state (see ``LEADGRADE_STORE_PROBE_SECONDS``).
    """
    store = _store_status(request)
    if not source.ready:
        why = source.last_error or "model not loaded yet"
        return error_response(ModelUnavailable(why, store=store.as_dict()))
    model = source.current.info.as_dict()
    if not store.ok:
        why = f"the lead store does not take writes: {store.reason}"
        return error_response(StoreUnavailable(why, store=store.as_dict(), model=model))
    return JSONResponse({"status": "ready", "model": model, "store": store.as_dict()})


def _store_status(request: Request) -> StoreStatus:
    store: LeadStore | None = getattr(request.app.state, "store", None)
    if store is None:
        return StoreStatus(False, "the lead store is not open", None)
    return store.health.status()


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

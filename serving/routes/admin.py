"""Operator actions on the running service: reload the model now."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import SourceDep
from serving.errors import ModelRefused
from serving.keys import Role
from serving.schemas import NO_MODEL, ReloadOut, error_responses

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post(
    "/reload",
    response_model=ReloadOut,
    responses=error_responses(
        {409: "The new version was refused; the old one keeps serving", 503: NO_MODEL}
    ),
    dependencies=[Depends(require_role(Role.ADMIN))],
)
async def reload_model(source: SourceDep) -> ReloadOut:
    """Load the version the alias names now, instead of at the next poll.

    The version is loaded off the request path, its request schema compared with the
    running one, warmed up on sample leads, then swapped in atomically. A version that fails
    any step is refused (409 `model_refused`, with the reason) and the old one keeps
    serving. A version refused before is tried again. 200 with `swapped: false` when the
    alias's version already serves.
    """
    swapped = await source.refresh(retry_failed=True)
    status = source.status()
    if not swapped and (source.degraded or not source.ready):
        raise ModelRefused(status["last_error"] or "the model was not loaded", **status)
    return ReloadOut.model_validate({"swapped": swapped, **status})

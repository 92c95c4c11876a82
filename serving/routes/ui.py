"""The marketing pages: /ui (score a lead, read why) and /ui/model (what drives quality).

Server-rendered with Jinja2; no JavaScript needed. Problems become a readable page, never
a JSON error or a 500: bad input is shown next to its field, a missing model says so.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from features.errors import LeadgradeError
from serving.deps import SourceDep
from serving.model_source import ModelSource, ServedModel
from serving.ui.pages import lead_context, model_context

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
log = logging.getLogger("leadgrade.ui")

router = APIRouter(prefix="/ui", include_in_schema=False)


@functools.cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


@router.get("", response_class=HTMLResponse)
async def lead_page(request: Request, source: SourceDep, example: bool = False) -> HTMLResponse:
    """The lead form (empty, or filled with a typical lead when ``example=true``)."""
    return await _render(
        request, source, "lead.html", lambda m: lead_context(m, None, example=example)
    )


@router.post("", response_class=HTMLResponse)
async def score_lead(request: Request, source: SourceDep) -> HTMLResponse:
    """Score the submitted lead and show it again with its grade and reasons (a what-if)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await _render(request, source, "lead.html", lambda m: lead_context(m, values))


@router.get("/model", response_class=HTMLResponse)
async def model_page(request: Request, source: SourceDep) -> HTMLResponse:
    """Importance, conversion by grade and value, calibration, version and training window."""
    return await _render(request, source, "model.html", model_context)


async def _render(
    request: Request,
    source: ModelSource,
    template: str,
    build: Callable[[ServedModel], dict[str, Any]],
) -> HTMLResponse:
    if not source.ready:
        why = source.last_error or "the model is still loading"
        return _message(request, "No model yet", f"No model is being served yet: {why}.", 503)
    try:
        # Explaining is CPU work: keep it off the event loop.
        context = await run_in_threadpool(build, source.current)
    except LeadgradeError as exc:
        return _message(request, "That did not work", exc.message, 422)
    except Exception:
        log.exception("rendering %s failed", template)
        return _message(request, "Something went wrong", "The page could not be built.", 500)
    return templates().TemplateResponse(
        request, template, context, status_code=context.get("status", 200)
    )


def _message(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
    context = {"page": None, "model": None, "heading": heading, "message": message}
    return templates().TemplateResponse(request, "message.html", context, status_code=status)

"""The marketing pages: /ui (score a lead, read why), /ui/model (what drives quality) and
/ui/funnel (how each campaign's leads fare, and why the lost ones were lost) and
/ui/alignment (the monthly review of sales and marketing).

Server-rendered with Jinja2; no JavaScript needed. Problems become a readable page, never
a JSON error or a 500: bad input is shown next to its field, a missing model says so.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from features.errors import LeadgradeError
from serving.alignment import kpis_csv, read_kpis
from serving.deps import SourceDep, StoreDep
from serving.errors import StoreUnavailable, status_of
from serving.model_source import ModelSource, ServedModel
from serving.routes.sign_in import UiSession
from serving.ui.alignment import alignment_context, page_filters
from serving.ui.funnel import funnel_context
from serving.ui.pages import lead_context, model_context
from serving.ui.templating import message_page, templates

log = logging.getLogger("leadgrade.ui")

# With keys configured, every page needs a marketing session (see routes/sign_in.py).
router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[UiSession])


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


@router.get("/funnel", response_class=HTMLResponse)
async def funnel_page(
    request: Request,
    store: StoreDep,
    source: SourceDep,
    by: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """Leads, grades, outcomes, win rate and loss reasons by campaign (or another grouping)."""
    return await _show(request, "funnel.html", lambda: funnel_context(store, source, by or []))


@router.get("/alignment", response_class=HTMLResponse)
async def alignment_page(request: Request, store: StoreDep, source: SourceDep) -> HTMLResponse:
    """The monthly review: metrics by period, the follow-up promise, target accounts, and
    what each campaign should change; filtered like the API."""
    query = dict(request.query_params)
    return await _show(request, "alignment.html", lambda: alignment_context(store, source, query))


@router.get("/alignment.csv", response_model=None)
async def alignment_csv(request: Request, store: StoreDep, source: SourceDep) -> Response:
    """The page's metrics by period as a CSV file (the same as the API's ``format=csv``)."""

    def build() -> str:
        filters, period = page_filters(dict(request.query_params))
        return kpis_csv(read_kpis(store, source, period, filters).rows)

    try:
        text = await run_in_threadpool(build)
    except (ValidationError, ValueError, LeadgradeError) as exc:
        return message_page(request, "No CSV for these filters", str(exc).splitlines()[0], 422)
    headers = {"Content-Disposition": 'attachment; filename="kpis.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


async def _render(
    request: Request,
    source: ModelSource,
    template: str,
    build: Callable[[ServedModel], dict[str, Any]],
) -> HTMLResponse:
    if not source.ready:
        why = source.last_error or "the model is still loading"
        return message_page(request, "No model yet", f"No model is being served yet: {why}.", 503)
    return await _show(request, template, functools.partial(build, source.current))


async def _show(
    request: Request, template: str, build: Callable[[], dict[str, Any]]
) -> HTMLResponse:
    try:
        # Explaining is CPU work and reports read the store: keep both off the event loop.
        context = await run_in_threadpool(build)
    except StoreUnavailable as exc:
        return message_page(
            request, "The lead store failed", _sentence(exc.message), status_of(exc)
        )
    except LeadgradeError as exc:
        return message_page(request, "That did not work", exc.message, status_of(exc))
    except Exception:
        log.exception("rendering %s failed", template)
        return message_page(request, "Something went wrong", "The page could not be built.", 500)
    return templates().TemplateResponse(
        request, template, context, status_code=context.get("status", 200)
    )


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}."

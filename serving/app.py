"""The FastAPI application, built around the model named by settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI

from serving.auth import RateLimiter, warn_if_open
from serving.body_limit import BodyLimitMiddleware
from serving.errors import install_error_handlers
from serving.keys import KeyRing
from serving.metrics import Metrics, StateCollector
from serving.model_source import ModelSource
from serving.openapi import install_openapi, operation_id
from serving.request_context import RequestContextMiddleware
from serving.routes import (
    admin,
    alignment,
    funnel,
    leads,
    meta,
    overdue,
    report,
    score,
    sign_in,
    ui,
)
from serving.routes import drift as drift_route
from serving.routes import metrics as metrics_route
from serving.routes.sign_in import install_sign_in
from serving.settings import ServeSettings
from serving.storing import keep_retention, open_store, start_probe
from serving.webhooks import send_forever, start_sender
from store import LeadStore

# The API's version in /openapi.json: 0.2 split batches off /v1/leads/score (see README, API).
API_VERSION = "0.2.0"


async def _open_store_and_model(settings: ServeSettings, source: ModelSource) -> LeadStore:
    """The store (migrated) once the model is loaded too: both run side by side, so start-up
    waits for the slower of the two, not for both in turn."""
    opening = asyncio.ensure_future(anyio.to_thread.run_sync(open_store, settings))
    try:
        await source.start()
    except BaseException:
        await asyncio.gather(opening, return_exceptions=True)
        raise
    return await opening


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """Build the app; the lifespan opens the lead store and loads the model (then re-checks it)."""
    settings = settings or ServeSettings()
    source = ModelSource(settings.resolved_model_uri, settings.mlflow_uri, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_if_open(settings)
        store = await _open_store_and_model(settings, source)
        app.state.store = store
        probe = await asyncio.to_thread(start_probe, store, settings.store_probe_seconds)
        tasks = []
        if settings.model_poll_seconds > 0:
            tasks.append(asyncio.create_task(source.watch(settings.model_poll_seconds)))
        if settings.retention_days is not None:
            tasks.append(asyncio.create_task(keep_retention(store, settings.retention_days)))
        sender = start_sender(store, settings)
        if sender is not None:
            tasks.append(asyncio.create_task(send_forever(sender, settings.webhook_poll_seconds)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if sender is not None:
            sender.client.close()
        probe.stop()
        app.state.store = None
        store.dispose()

    app = FastAPI(
        title="leadgrade",
        version=API_VERSION,
        description="A–D lead grades, routes and reasons learned from won/lost history.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.model_source = source
    app.state.metrics = metrics = Metrics()
    metrics.registry.register(StateCollector(source, app.state))
    # A broken keys file stops the service here, at start-up; each route declares its roles.
    app.state.keys = None if settings.keys_file is None else KeyRing(settings.keys_file)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(metrics_route.router)
    app.include_router(admin.router)
    app.include_router(score.router)
    app.include_router(report.router)
    app.include_router(leads.router)
    app.include_router(funnel.router)
    app.include_router(drift_route.router)
    app.include_router(overdue.router)
    app.include_router(alignment.router)
    app.include_router(sign_in.router)
    app.include_router(ui.router)
    install_sign_in(app)
    # An oversized body is refused before any other work; only the request's id, log line
    # and metrics come first (outermost), so that even a refused request is counted.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    install_openapi(app, source)
    return app

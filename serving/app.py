"""The FastAPI application, built around the model named by settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from serving.errors import install_error_handlers
from serving.model_source import ModelSource
from serving.openapi import install_openapi
from serving.routes import meta, score
from serving.settings import ServeSettings


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """Build the app; the model is loaded in the lifespan and re-checked in the background."""
    settings = settings or ServeSettings()
    source = ModelSource(settings.resolved_model_uri, settings.mlflow_uri)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await source.refresh()
        watcher = None
        if settings.model_poll_seconds > 0:
            watcher = asyncio.create_task(source.watch(settings.model_poll_seconds))
        yield
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    app = FastAPI(
        title="leadgrade",
        version="0.1.0",
        description="A–D lead grades, routes and reasons learned from won/lost history.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.model_source = source
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(score.router)
    install_openapi(app, source)
    return app

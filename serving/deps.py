"""FastAPI dependencies: the settings, the model being served and the lead store.

They are ``async`` because they only read ``app.state``: FastAPI runs a plain ``def``
dependency in a worker thread, a hop that costs more than the work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from serving.errors import StoreUnavailable
from serving.metrics import Metrics
from serving.model_source import ModelSource, ServedModel
from serving.settings import ServeSettings
from store import LeadStore


async def get_settings(request: Request) -> ServeSettings:
    settings: ServeSettings = request.app.state.settings
    return settings


async def get_source(request: Request) -> ModelSource:
    source: ModelSource = request.app.state.model_source
    return source


async def get_model(source: Annotated[ModelSource, Depends(get_source)]) -> ServedModel:
    """The current model; 503 (model_unavailable) while none is loaded."""
    return source.current


async def get_store(request: Request) -> LeadStore:
    """The lead store opened in the lifespan; 503 (store_unavailable) outside of it."""
    store: LeadStore | None = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the lead store is not open (the service is starting or stopping)")
    return store


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


SettingsDep = Annotated[ServeSettings, Depends(get_settings)]
SourceDep = Annotated[ModelSource, Depends(get_source)]
ModelDep = Annotated[ServedModel, Depends(get_model)]
StoreDep = Annotated[LeadStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]

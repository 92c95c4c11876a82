"""FastAPI dependencies: the settings and the model being served."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from serving.model_source import ModelSource, ServedModel
from serving.settings import ServeSettings


def get_settings(request: Request) -> ServeSettings:
    settings: ServeSettings = request.app.state.settings
    return settings


def get_source(request: Request) -> ModelSource:
    source: ModelSource = request.app.state.model_source
    return source


def get_model(source: Annotated[ModelSource, Depends(get_source)]) -> ServedModel:
    """The current model; 503 (model_unavailable) while none is loaded."""
    return source.current


SettingsDep = Annotated[ServeSettings, Depends(get_settings)]
SourceDep = Annotated[ModelSource, Depends(get_source)]
ModelDep = Annotated[ServedModel, Depends(get_model)]

"""Serving fixtures: apps on a tiny real model and a lead store on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadgrade.cli import app
from models.saved import save_scorer
from serving.app import create_app
from serving.settings import ServeSettings
from tests.helpers import tiny_training

AppFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real model saved as a model folder (served without a registry version)."""
    path: Path = save_scorer(tiny_training().scorer, tmp_path_factory.mktemp("model") / "scorer")
    return path


@pytest.fixture
def serve_settings(
    model_path: Path, store_url: str, tmp_path: Path
) -> Callable[..., ServeSettings]:
    """``serve_settings(**overrides)``: the tiny model and this test's store (both backends)."""

    def settings(**overrides: Any) -> ServeSettings:
        values: dict[str, Any] = {
            "model_uri": str(model_path),
            "model_poll_seconds": 0,
            "database_url": store_url,
            "home": tmp_path / "home",
        }
        return ServeSettings(**(values | overrides))

    return settings


@pytest.fixture
def make_client(serve_settings: Callable[..., ServeSettings]) -> Iterator[AppFactory]:
    """``make_client(**settings)``: a started TestClient, stopped after the test."""
    started: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(serve_settings(**overrides)))
        client.__enter__()
        started.append(client)
        return client

    yield make
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_client: AppFactory) -> TestClient:
    """An open service (no API keys) on this test's store."""
    return make_client()


@pytest.fixture
def run_cli(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``run_cli(*args)``: the leadgrade command on this test's store, wide output."""
    monkeypatch.setenv("LEADGRADE_DATABASE_URL", store_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("LEADGRADE_API_KEY", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))

"""The one table from domain error to HTTP status, and the one error shape it produces."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import features
import models
import serving
import store
from features.errors import DataError, LeadgradeError, SpecError
from serving.errors import (
    STATUS,
    BatchTooLarge,
    InvalidRequest,
    StoreUnavailable,
    Unauthorized,
    install_error_handlers,
    status_of,
)
from store.errors import IdempotencyConflict, LeadNotFound
from tests.helpers import REPO
from tests.serving.support import error

API_PACKAGES = (features, store, models, serving)


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def _api_errors() -> list[type[LeadgradeError]]:
    """Every LeadgradeError of a module the app imports (found in a fresh interpreter, so
    that what other tests imported does not count); the CLI's own errors are not."""
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, serving.app; print(json.dumps(list(sys.modules)))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported = set(json.loads(listed.stdout))
    for name in sorted(imported):
        if name.split(".")[0] in {p.__name__ for p in API_PACKAGES}:
            importlib.import_module(name)
    return sorted(
        (c for c in _all_subclasses(LeadgradeError) if c.__module__ in imported),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_every_error_the_api_can_raise_has_a_row_in_the_table():
    unmapped = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _api_errors()
        if not any(parent in STATUS for parent in cls.__mro__)
    ]
    assert unmapped == [], "add these to serving.errors.STATUS"


def test_a_subclass_inherits_its_parents_status():
    class StrictSpecError(SpecError):
        code = "strict_spec"

    assert status_of(StrictSpecError("x")) == 422


@pytest.fixture(scope="module")
def raising_client() -> TestClient:
    """An app whose one route raises whichever domain error the test names."""
    app = FastAPI()
    install_error_handlers(app)
    errors: dict[str, LeadgradeError] = {
        "invalid": InvalidRequest("employees: not a number", errors=[{"field": "employees"}]),
        "data": DataError("no rows", field="status"),
        "spec": SpecError("bad spec", field="features.numeric"),
        "too_large": BatchTooLarge("3 leads in one request; the limit is 2", limit=2),
        "unknown_lead": LeadNotFound("L-9"),
        "reused_key": IdempotencyConflict("k-1", event_id=3),
        "no_key": Unauthorized("this endpoint needs an API key"),
        "store_down": StoreUnavailable("the lead store is not open"),
    }

    @app.get("/raise/{name}")
    def _raise(name: str) -> None:
        raise errors[name]

    return TestClient(app)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("invalid", 422, "invalid_request"),
        ("data", 422, "invalid_data"),
        ("spec", 422, "invalid_spec"),
        ("too_large", 413, "batch_too_large"),
        ("unknown_lead", 404, "lead_not_found"),
        ("reused_key", 422, "idempotency_conflict"),
        ("no_key", 401, "unauthorized"),
        ("store_down", 503, "store_unavailable"),
    ],
)
def test_each_domain_error_answers_with_its_status_and_code(raising_client, name, status, code):
    response = raising_client.get(f"/raise/{name}")
    assert response.status_code == status
    assert error(response)["code"] == code


def test_the_field_to_blame_is_named_in_the_details(raising_client):
    assert error(raising_client.get("/raise/spec"))["details"] == {"field": "features.numeric"}


def test_unauthorized_asks_for_a_bearer_key(raising_client):
    assert raising_client.get("/raise/no_key").headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("method", ["OPTIONS", "PATCH", "DELETE"])
def test_an_unsupported_method_is_a_405_naming_the_allowed_ones(raising_client, method):
    response = raising_client.request(method, "/raise/invalid")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert error(response)["code"] == "method_not_allowed"
    assert error(response)["details"] == {"allow": "GET"}
    assert f"{method} is not allowed here" in error(response)["message"]


def test_a_405_allows_every_method_of_a_path_with_two_routes():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/leads/{lead_id}")
    def _read(lead_id: str) -> None:
        raise LeadNotFound(lead_id)

    @app.delete("/leads/{lead_id}")
    def _erase(lead_id: str) -> None:
        raise LeadNotFound(lead_id)

    response = TestClient(app).request("OPTIONS", "/leads/L-1")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert error(response)["details"] == {"allow": "DELETE, GET"}

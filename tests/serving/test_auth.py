"""API keys: /v1 needs a bearer key once keys are configured, and the key names the client."""

import logging
import re

import pytest
from pydantic import ValidationError

from serving.settings import ServeSettings
from tests.serving.support import LEAD, error

CRM_KEY = "crm-key-0123456789abcdef"
KEYS = {"crm": CRM_KEY, "webform": "webform-key-0123456789"}


@pytest.fixture
def secured(make_client):
    return make_client(api_keys=KEYS)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def v1_operations(api) -> list[tuple[str, str]]:
    """Every /v1 method and path the app documents, path parameters filled in."""
    paths = api.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "L-1", path))
        for path, operations in paths.items()
        if path.startswith("/v1")
        for method in operations
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-a-key-of-anyone-here"), {"Authorization": f"Basic {CRM_KEY}"}],
    ids=["no key", "wrong key", "not bearer"],
)
def test_every_v1_endpoint_is_a_401_without_a_valid_key(secured, headers):
    operations = v1_operations(secured)
    assert len(operations) >= 8

    for method, path in operations:
        r = secured.request(method, path, headers=headers, json=LEAD)
        assert r.status_code == 401, (method, path)
        assert error(r)["code"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/health", "/ready", "/docs", "/openapi.json"])
def test_operations_and_docs_stay_open(secured, path):
    assert secured.get(path).status_code == 200


def test_the_key_names_the_client_that_scored_and_reported(secured):
    scored = secured.post("/v1/leads/score", json=LEAD, headers=bearer(CRM_KEY))
    reported = secured.post(
        "/v1/leads/L-1/outcome",
        json={"outcome": "won"},
        headers=bearer(KEYS["webform"]),
    )

    lead = secured.get("/v1/leads/L-1", headers=bearer(CRM_KEY)).json()
    assert (scored.status_code, reported.status_code) == (200, 201)
    assert lead["scores"][0]["client"] == "crm"
    assert lead["outcomes"][0]["reported_by"] == "webform"


def test_idempotency_keys_belong_to_one_client(secured):
    secured.post("/v1/leads/score", json=LEAD, headers=bearer(CRM_KEY))
    body = {"outcome": "won"}

    statuses = [
        secured.post(
            "/v1/leads/L-1/outcome", json=body, headers={**bearer(key), "Idempotency-Key": "k"}
        ).status_code
        for key in (CRM_KEY, KEYS["webform"], CRM_KEY)
    ]

    assert statuses == [201, 201, 200]


def test_without_keys_the_service_is_open_and_says_so(make_client, caplog):
    with caplog.at_level(logging.WARNING, logger="leadgrade.auth"):
        api = make_client()

    assert api.post("/v1/leads/score", json=LEAD).status_code == 200
    assert api.get("/v1/leads/L-1").json()["scores"][0]["client"] == "anonymous"
    assert "no API keys configured" in caplog.text


def test_keys_are_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("LEADGRADE_API_KEYS", f'{{"crm": "{CRM_KEY}"}}')

    keys = ServeSettings().api_keys

    assert {name: key.get_secret_value() for name, key in keys.items()} == {"crm": CRM_KEY}
    assert CRM_KEY not in repr(keys)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"crm": "short"}, "shorter than 16 characters"),
        ({"crm": CRM_KEY, "erp": CRM_KEY}, "two clients share one key"),
        ({"anonymous": CRM_KEY}, "not 'anonymous'"),
        ({"crm system": CRM_KEY}, "client name 'crm system'"),
    ],
)
def test_unusable_keys_stop_the_service_at_start(keys, message):
    with pytest.raises(ValidationError, match=message):
        ServeSettings(api_keys=keys)

"""The HTTP contract of scoring, on a tiny real model served from a model folder."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from models.saved import save_scorer
from serving.app import create_app
from serving.settings import ServeSettings
from tests.helpers import tiny_training

LEAD = {
    "lead_id": "L-1",
    "email": "ann@hooli.com",
    "job_title": "VP Marketing",
    "industry": "Software",
    "employees": 400,
    "country": "United States",
    "demo_requested": True,
    "pages_viewed": 12,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[TestClient]:
    path = save_scorer(tiny_training().scorer, tmp_path_factory.mktemp("model") / "scorer")
    settings = ServeSettings(model_uri=str(path), model_poll_seconds=0, max_batch=5)
    with TestClient(create_app(settings)) as c:
        yield c


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_one_lead_gets_grade_route_and_model(client):
    r = client.post("/v1/leads/score", json=LEAD)
    assert r.status_code == 200
    body = r.json()
    assert body["lead_id"] == "L-1"
    assert body["grade"] in "ABCD"
    assert body["score"] == pytest.approx(100 * body["probability"], abs=0.06)
    assert body["route"]["queue"] in {"sales", "nurture"}
    assert body["model"]["name"] == "leadgrade"


def test_a_batch_returns_one_result_per_lead_in_order(client):
    leads = [{**LEAD, "lead_id": f"L-{i}"} for i in range(5)]
    r = client.post("/v1/leads/score", json=leads)
    assert r.status_code == 200
    assert [x["lead_id"] for x in r.json()] == [f"L-{i}" for i in range(5)]


def test_absent_optional_fields_are_missing_values(client):
    r = client.post("/v1/leads/score", json={"lead_id": "only-id"})
    assert r.status_code == 200
    assert r.json()["grade"] in "ABCD"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {**LEAD, "favourite_colour": "blue"},
            "favourite_colour",
            "Extra inputs are not permitted",
        ),
        ({**LEAD, "employees": "lots"}, "employees", "valid number"),
        ({**LEAD, "demo_requested": "perhaps"}, "demo_requested", "valid boolean"),
        ({**LEAD, "loss_reason": "No budget"}, "loss_reason", "Extra inputs are not permitted"),
        ({k: v for k, v in LEAD.items() if k != "lead_id"}, "lead_id", "Field required"),
        ([LEAD, {**LEAD, "employees": "x"}], "1.employees", "valid number"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, body, field, message):
    r = client.post("/v1/leads/score", json=body)
    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "invalid_request"
    assert err["details"]["errors"][0]["field"] == field
    assert message in err["message"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ([LEAD] * 6, 413, "batch_too_large"),
        ([], 422, "invalid_request"),
        ("just a string", 422, "invalid_request"),
    ],
)
def test_batch_limits_and_wrong_shapes_are_rejected(client, payload, status, code):
    r = client.post("/v1/leads/score", json=payload)
    assert r.status_code == status
    assert error(r)["code"] == code


def test_malformed_json_is_a_422_not_a_500(client):
    r = client.post(
        "/v1/leads/score", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert error(r)["code"] == "invalid_request"


def test_unknown_route_uses_the_error_shape(client):
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404
    assert error(r)["code"] == "not_found"


def test_health_ready_and_model_card(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200
    card = client.get("/v1/model").json()
    assert card["card"]["name"] == "leadgrade"
    assert set(card["card"]["grade_thresholds"]) == {"A", "B", "C"}
    assert card["card"]["data"]["labeled"] > 0
    assert "roc_auc" in card["card"]["metrics"]["model"]


def test_openapi_shows_the_models_own_lead_schema(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    one = paths["/v1/leads/score"]["post"]["requestBody"]["content"]["application/json"]
    batch = paths["/v1/leads/score/batch"]["post"]["requestBody"]["content"]["application/json"]
    assert one["schema"]["$ref"] == "#/components/schemas/Lead"
    assert batch["schema"]["items"] == {"$ref": "#/components/schemas/Lead"}
    lead = schema["components"]["schemas"]["Lead"]
    assert lead["additionalProperties"] is False
    assert {"lead_id", "employees", "job_title"} <= set(lead["properties"])
    assert lead["required"] == ["lead_id"]


def test_without_a_model_the_service_is_alive_but_not_ready(tmp_path):
    settings = ServeSettings(model_uri=str(tmp_path / "absent-model"), model_poll_seconds=0)
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        ready = c.get("/ready")
        assert ready.status_code == 503
        assert "absent-model" in error(ready)["message"]
        r = c.post("/v1/leads/score", json=LEAD)
        assert r.status_code == 503
        assert error(r)["code"] == "model_unavailable"

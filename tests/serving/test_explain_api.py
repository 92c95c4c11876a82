"""The explanation API: ?explain=true on scoring, /v1/leads/explain and /v1/model/report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.report import ModelReport
from models.saved import save_scorer
from serving.app import create_app
from serving.settings import ServeSettings
from tests.helpers import tiny_training

LEAD = {
    "lead_id": "L-1",
    "industry": "Software",
    "employees": 450,
    "job_title": "VP Marketing",
    "email": "jane@northwind.com",
    "demo_requested": True,
    "pages_viewed": 9,
    "lead_source": "Referral",
}
PLAIN_KEYS = {"lead_id", "score", "probability", "grade", "route", "model"}


def _client(model_path: Path, home: Path) -> TestClient:
    settings = ServeSettings(model_uri=str(model_path), model_poll_seconds=0, home=home)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("explain-api")
    path = save_scorer(tiny_training().scorer, tmp / "model")
    with _client(path, tmp / "home") as c:
        yield c


@pytest.fixture(scope="module")
def old_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A model saved without a report (no ``report.json`` in its folder)."""
    tmp = tmp_path_factory.mktemp("explain-api-old")
    old = save_scorer(dataclasses.replace(tiny_training().scorer, report=None), tmp / "old")
    with _client(old, tmp / "home") as c:
        yield c


def test_score_without_explain_is_unchanged(client):
    body = client.post("/v1/leads/score", json=LEAD).json()
    assert set(body) == PLAIN_KEYS
    batch = client.post("/v1/leads/score", json=[LEAD, {**LEAD, "lead_id": "L-2"}]).json()
    assert all(set(r) == PLAIN_KEYS for r in batch)


def test_score_with_explain_adds_reasons_fit_and_engagement(client):
    # top=5: a requested demo is among this lead's five strongest reasons, not always its three
    response = client.post("/v1/leads/score", params={"explain": "true", "top": 5}, json=LEAD)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PLAIN_KEYS | {"reasons", "fit", "engagement"}
    assert body["score"] == client.post("/v1/leads/score", json=LEAD).json()["score"]
    assert 1 <= len(body["reasons"]) <= 10
    for reason in body["reasons"]:
        assert set(reason) == {"field", "value", "points", "sentence"}
        assert reason["value"] == LEAD.get(reason["field"])
    assert next(r for r in body["reasons"] if r["field"] == "demo_requested")["points"] > 0


def test_explained_batch_keeps_order_and_scores(client):
    leads = [LEAD, {**LEAD, "lead_id": "L-2", "demo_requested": False, "job_title": "Intern"}]
    plain = client.post("/v1/leads/score", json=leads).json()
    explained = client.post("/v1/leads/score?explain=true", json=leads).json()
    assert [r["lead_id"] for r in explained] == ["L-1", "L-2"]
    assert [r["score"] for r in explained] == [r["score"] for r in plain]
    assert all("reasons" in r for r in explained)


@pytest.mark.parametrize(("top", "most"), [(1, 2), (5, 10)])
def test_top_sets_the_number_of_reasons_each_way(client, top, most):
    body = client.post(f"/v1/leads/score?explain=true&top={top}", json=LEAD).json()
    up = [r for r in body["reasons"] if r["points"] > 0]
    down = [r for r in body["reasons"] if r["points"] < 0]
    assert len(up) <= top
    assert len(down) <= top
    assert len(body["reasons"]) <= most


@pytest.mark.parametrize("query", ["explain=maybe", "explain=true&top=0", "explain=true&top=99"])
def test_bad_explain_parameters_are_rejected(client, query):
    response = client.post(f"/v1/leads/score?{query}", json=LEAD)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_explain_returns_every_field_adding_up_to_the_score(client):
    response = client.post("/v1/leads/explain", json=LEAD)
    assert response.status_code == 200
    body = response.json()
    fields = [c["field"] for c in body["contributions"]]
    assert sorted(fields) == sorted(tiny_training().scorer.spec.feature_fields)
    tenths = sum(round(c["points"] * 10) for c in body["contributions"])
    assert round(body["base_points"] * 10) + tenths == round(body["score"] * 10)
    assert body["log_odds"] == pytest.approx(
        body["base_log_odds"] + sum(c["log_odds"] for c in body["contributions"]), abs=1e-6
    )
    assert body["groups"] == {"fit": body["fit"], "engagement": body["engagement"]}
    assert body["score"] == client.post("/v1/leads/score", json=LEAD).json()["score"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([LEAD], "one lead"),
        ({**LEAD, "shoe_size": 44}, "shoe_size"),
        ({"industry": "Software"}, "lead_id"),
        ({**LEAD, "employees": "many"}, "employees"),
    ],
    ids=["list", "unknown-field", "no-id", "bad-number"],
)
def test_explain_rejects_bad_leads_with_one_error_shape(client, body, message):
    response = client.post("/v1/leads/explain", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert message in error["message"]


def test_model_report_is_served_from_the_model(client):
    response = client.get("/v1/model/report")
    assert response.status_code == 200
    body = response.json()
    report = ModelReport.model_validate(body["report"])
    assert report == tiny_training().scorer.report
    assert body["window_start"] < body["window_end"]
    assert [g.grade for g in report.grades] == ["A", "B", "C", "D"]
    assert {row.field for row in report.importance} == set(report.fields)


def test_an_old_model_explains_without_evidence_and_has_no_report(old_client):
    body = old_client.post("/v1/leads/score?explain=true", json=LEAD).json()
    assert body["reasons"]
    assert all("converted" not in r["sentence"] for r in body["reasons"])
    response = old_client.get("/v1/model/report")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "report_unavailable"


def test_openapi_documents_the_new_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/leads/explain" in paths
    assert "/v1/model/report" in paths
    parameters = {p["name"] for p in paths["/v1/leads/score"]["post"]["parameters"]}
    assert {"explain", "top"} <= parameters
    assert not any(path.startswith("/ui") for path in paths)

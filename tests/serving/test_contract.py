"""The API contract: the committed OpenAPI document, its names, answers and examples."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from typer.testing import CliRunner

from features.request import build_request_model
from features.spec import demo_spec
from leadgrade.cli import app as cli
from serving.app import create_app
from serving.openapi import NAMED_ENUMS
from serving.schemas import ErrorOut, ScoreBatchOut, ScoreOut
from serving.settings import ServeSettings
from store import OutcomeIn, OutcomeReceipt
from tests.helpers import REPO
from tests.serving.support import LEAD, error, sqlite_settings

COMMITTED = REPO / "docs" / "openapi.json"
TAGS = {"scoring", "feedback", "reports", "model", "admin", "operations"}
CORE_OPERATIONS = {
    "scoreLead",
    "scoreLeads",
    "explainLead",
    "postOutcome",
    "getLead",
    "getFunnel",
    "getModel",
}


@pytest.fixture(scope="module")
def client(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service on the tiny demo-spec model, as the committed document describes it."""
    settings = sqlite_settings(model_path, tmp_path_factory.mktemp("contract"))
    with TestClient(create_app(settings)) as started:
        yield started


@pytest.fixture(scope="module")
def served(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_served_document_is_the_committed_one(served):
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    changed = sorted(
        f"{method} {path}"
        for method, path, operation in _operations(served)
        if committed["paths"].get(path, {}).get(method.lower()) != operation
    )
    gone = sorted(set(committed["paths"]) - set(served["paths"]))
    assert served == committed, (
        "docs/openapi.json differs from the served API: run `make openapi` and commit it "
        f"(operations changed or new: {changed or 'none'}; paths gone: {gone or 'none'})"
    )


def test_schema_names_are_unique_readable_and_all_defined(served):
    schemas = served["components"]["schemas"]
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", name) for name in schemas), sorted(schemas)
    defined = {f"#/components/schemas/{name}" for name in schemas}
    assert set(_refs(served)) <= defined
    assert {"HTTPValidationError", "ValidationError"}.isdisjoint(schemas)


def test_recurring_value_sets_are_one_named_schema_each(served):
    text = json.dumps(served)
    for name, enum in NAMED_ENUMS.items():
        assert served["components"]["schemas"][name]["enum"] == enum["enum"]
        assert text.count(json.dumps(enum["enum"])) == 1, f"{name} is repeated inline"


def test_operation_ids_are_short_camel_case_and_unique(served):
    ids = [operation["operationId"] for _, _, operation in _operations(served)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9]*", op_id) for op_id in ids), ids
    assert set(ids) >= CORE_OPERATIONS


def test_every_operation_has_one_known_tag(served):
    declared = {tag["name"] for tag in served["tags"]}
    assert declared == TAGS
    for method, path, operation in _operations(served):
        assert len(operation["tags"]) == 1, f"{method} {path}"
        assert operation["tags"][0] in TAGS, f"{method} {path}"


def test_each_success_answer_is_one_named_schema(served):
    for method, path, operation in _operations(served):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert set(schema) == {"$ref"}, f"{method} {path} {status}: {schema}"


def test_every_error_answer_is_the_one_shape_with_an_example(served):
    for method, path, operation in _operations(served):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
            assert content["examples"], f"{method} {path} {status} has no example"
            for example in content["examples"].values():
                ErrorOut.model_validate(example["value"])


@pytest.mark.parametrize(
    ("schema", "model"),
    [
        ("ScoreOut", ScoreOut),
        ("ScoreBatchOut", ScoreBatchOut),
        ("OutcomeIn", OutcomeIn),
        ("OutcomeReceipt", OutcomeReceipt),
        ("ErrorOut", ErrorOut),
        ("Lead", build_request_model(demo_spec())),
    ],
)
def test_schema_examples_are_valid_payloads(served, schema: str, model: type[BaseModel]):
    shown = served["components"]["schemas"][schema]["examples"]
    assert shown
    for example in shown:
        model.model_validate(example)


def test_example_lead_scores_as_documented(client, served):
    lead = served["components"]["schemas"]["Lead"]["examples"][0]
    scored = client.post("/v1/leads/score", json=lead)
    assert scored.status_code == 200
    documented = served["paths"]["/v1/leads/score"]["post"]["responses"]["200"]
    example = documented["content"]["application/json"]["examples"]["scored"]["value"]
    assert set(scored.json()) == set(example)
    assert set(scored.json()["route"]) == set(example["route"])


def test_score_answers_one_lead_without_explained_fields(client):
    body = client.post("/v1/leads/score", json=LEAD).json()
    assert body["lead_id"] == LEAD["lead_id"]
    assert {"reasons", "fit", "engagement"}.isdisjoint(body)
    explained = client.post("/v1/leads/score", params={"explain": "true"}, json=LEAD).json()
    assert explained["reasons"]
    assert explained["score"] == body["score"]


def test_batch_answers_its_own_schema_in_order(client):
    leads = [{**LEAD, "lead_id": f"B-{i}"} for i in range(3)]
    response = client.post("/v1/leads/score/batch", json=leads)
    assert response.status_code == 200
    batch = ScoreBatchOut.model_validate(response.json())
    assert [s.lead_id for s in batch.scores] == ["B-0", "B-1", "B-2"]
    assert "Deprecation" not in response.headers


def test_batch_names_the_index_of_a_bad_lead(client):
    leads = [LEAD, {**LEAD, "lead_id": "B-9", "employees": "many"}]
    response = client.post("/v1/leads/score/batch", json=leads)
    assert response.status_code == 422
    assert error(response)["details"]["errors"][0]["field"] == "1.employees"


def test_batch_refuses_a_single_lead_object(client):
    response = client.post("/v1/leads/score/batch", json=LEAD)
    assert response.status_code == 422
    assert "POST /v1/leads/score" in error(response)["message"]


def test_a_list_sent_to_score_still_works_for_one_version_and_says_so(client):
    leads = [{**LEAD, "lead_id": f"D-{i}"} for i in range(2)]
    response = client.post("/v1/leads/score", json=leads)
    assert response.status_code == 200
    assert [s["lead_id"] for s in response.json()] == ["D-0", "D-1"]
    assert response.headers["Deprecation"] == "true"
    assert "/v1/leads/score/batch" in response.headers["Link"]
    assert {"reasons", "fit"}.isdisjoint(response.json()[0])


def test_without_a_model_the_document_still_serves_every_operation(tmp_path, served):
    settings = ServeSettings(model_uri=str(tmp_path / "absent.joblib"), model_poll_seconds=0)
    with TestClient(create_app(settings)) as started:
        document = started.get("/openapi.json").json()
    assert set(document["paths"]) == set(served["paths"])
    assert "Lead" not in document["components"]["schemas"]
    assert "x-lead-schema" not in json.dumps(document)


def test_openapi_command_writes_the_committed_document(tmp_path):
    out = tmp_path / "openapi.json"
    result = CliRunner().invoke(cli, ["openapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")


def test_openapi_command_fails_in_one_line_on_a_missing_spec(tmp_path):
    missing = tmp_path / "absent.toml"
    result = CliRunner().invoke(cli, ["openapi", "--spec", str(missing), "--out", "-"])
    assert result.exit_code == 2
    assert "cannot read spec" in result.output
    assert "Traceback" not in result.output

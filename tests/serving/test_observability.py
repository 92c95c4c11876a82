"""/metrics, the X-Request-ID header and the JSON log lines of a real app."""

from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from serving.logs import json_queue_handler
from tests.serving.support import LEAD, bearer, write_keys


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_leads_outcomes_and_show_the_model(api):
    batch = [LEAD, {**LEAD, "lead_id": "L-2"}]
    scored = api.post("/v1/leads/score/batch", json=batch).json()["scores"]
    outcome = {"outcome": "lost", "reason": "No budget"}
    assert api.post("/v1/leads/L-1/outcome", json=outcome).status_code == 201
    assert api.post("/v1/leads/score", json={"nonsense": 1}).status_code == 422

    response = api.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    batch_route = (("method", "POST"), ("route", "/v1/leads/score/batch"))
    route = (("method", "POST"), ("route", "/v1/leads/score"))
    assert samples[("leadgrade_requests_total", (*batch_route, ("status", "200")))] == 1
    assert samples[("leadgrade_requests_total", (*route, ("status", "422")))] == 1
    assert samples[("leadgrade_request_seconds_count", route)] == 1
    grades = [(r["grade"], r["route"]["queue"]) for r in scored]
    for grade, queue in set(grades):
        key = ("leadgrade_leads_scored_total", (("grade", grade), ("queue", queue)))
        assert samples[key] == grades.count((grade, queue))
    lost = ("leadgrade_outcomes_total", (("outcome", "lost"), ("reason", "no_budget")))
    assert samples[lost] == 1
    served = [k for k in samples if k[0] == "leadgrade_model_serving"]
    assert len(served) == 1
    assert samples[("leadgrade_store_up", ())] == 1
    assert samples[("leadgrade_model_load_failures_total", ())] == 0
    assert samples[("leadgrade_store_write_failures_total", ())] == 0


@pytest.mark.parametrize(
    ("roles", "status"), [(None, 401), (["crm"], 403), (["marketing"], 403), (["admin"], 200)]
)
def test_metrics_need_the_admin_role_once_keys_are_configured(make_client, tmp_path, roles, status):
    keys = {"ops": ("ops-key-0123456789abcdef", roles or ["crm"])}
    client = make_client(keys_file=write_keys(tmp_path / "keys.toml", keys))
    headers = bearer(keys["ops"][0]) if roles else {}
    assert client.get("/metrics", headers=headers).status_code == status


def test_every_response_carries_a_request_id(api):
    first = api.get("/health").headers["X-Request-ID"]
    second = api.get("/v1/leads/nope").headers["X-Request-ID"]
    assert first != second
    assert len(first) == 32


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("crm-4711.a_b", True), ("x" * 65, False), ("bad id\nINJECTED", False), ("", False)],
)
def test_a_sane_request_id_from_the_caller_is_kept(api, sent, kept):
    returned = api.get("/health", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert (returned == sent) is kept


def test_log_lines_are_json_with_the_request_id_and_no_personal_data(api):
    stream = io.StringIO()
    handler = json_queue_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        api.post("/v1/leads/score", json=LEAD, headers={"X-Request-ID": "req-1"})
        api.post("/v1/leads/score", json={**LEAD, "employees": "many"})
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.listener.stop()

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "leadgrade.access"]
    assert access[0]["request_id"] == "req-1"
    assert access[0]["route"] == "/v1/leads/score"
    assert access[0]["status"] == 200
    assert isinstance(access[0]["ms"], int)
    assert access[1]["status"] == 422
    text = stream.getvalue()
    for personal in ("ann.smith", "hooli", LEAD.get("full_name", "Ann Smith"), "many"):
        assert personal not in text

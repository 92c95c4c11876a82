"""Scores stored as scored, the outcome API and a lead's history, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from serving.app import create_app
from serving.settings import ServeSettings
from store.schema import OutcomeEvent
from tests.serving.support import LEAD, error, live_server

WON = {"outcome": "won", "rating": 5, "note": "signed"}
LOST = {"outcome": "lost", "reason": "Not the right moment", "occurred_at": "2024-05-02T10:00Z"}


def stored_events(store_url: str) -> int:
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(OutcomeEvent)) or 0
    engine.dispose()
    return count


def scored(api, lead_id: str = "L-1", **params) -> dict:
    r = api.post("/v1/leads/score", json={**LEAD, "lead_id": lead_id}, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def outcome(api, body: dict, lead_id: str = "L-1", key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/v1/leads/{lead_id}/outcome", json=body, headers=headers)


# --- scores are stored as scored --------------------------------------------------------


def test_every_scored_lead_is_stored_with_its_score_and_redacted_fields(api):
    batch = [{**LEAD, "lead_id": f"L-{i}"} for i in range(3)]
    results = api.post("/v1/leads/score/batch", json=batch).json()["scores"]

    lead = api.get("/v1/leads/L-2").json()

    (stored,) = lead["scores"]
    assert stored["grade"] == results[2]["grade"]
    assert stored["score"] == pytest.approx(results[2]["score"])
    assert stored["route"] == results[2]["route"]
    assert stored["model"] == {"name": "leadgrade", "version": None, "run_id": None}
    assert stored["client"] == "anonymous"
    assert stored["fields"]["email"] == "hooli.com"
    assert "full_name" not in stored["fields"]
    assert stored["fields"]["campaign"] == "spring"
    assert lead["latest_score"] == stored
    assert (lead["latest_reasons"], lead["latest_outcome"], lead["outcomes"]) == (None, None, [])


def test_scoring_again_adds_to_the_history_and_keeps_the_reasons(api):
    scored(api, explain="true")
    scored(api)

    lead = api.get("/v1/leads/L-1").json()

    assert len(lead["scores"]) == 2
    assert lead["scores"][0]["reasons"] is None
    assert lead["scores"][1]["reasons"]
    assert lead["latest_reasons"] == lead["scores"][1]["reasons"]
    assert "Ann Smith" not in str(lead)


def test_a_store_failure_fails_the_request_instead_of_returning_unstored_scores(make_client):
    api = make_client(migrate_on_start=False)  # an empty database: no tables to write to

    for response in (
        api.post("/v1/leads/score", json=LEAD),
        outcome(api, WON),
        api.get("/v1/leads/L-1"),
    ):
        assert response.status_code == 503
        err = error(response)
        assert err["code"] == "store_unavailable"
        assert "lead store failed" in err["message"]


# --- outcomes ---------------------------------------------------------------------------


def test_a_new_outcome_is_201_with_the_stored_event(api):
    scored(api)

    r = outcome(api, LOST)

    assert r.status_code == 201
    receipt = r.json()
    assert receipt["replayed"] is False
    assert (receipt["outcome"], receipt["reason"]) == ("lost", "Not the right moment")
    assert receipt["canonical_reason"] == "bad_timing"  # the demo spec's own picklist
    assert receipt["occurred_at"].startswith("2024-05-02T10:00:00")
    lead = api.get("/v1/leads/L-1").json()
    assert lead["latest_outcome"]["event_id"] == receipt["event_id"]
    assert lead["latest_outcome"]["reported_by"] == "anonymous"


@pytest.mark.parametrize(
    ("reason", "canonical"),
    [("No decision power", "not_decision_maker"), ("budget", "no_budget"), ("meh", "other")],
)
def test_reasons_are_mapped_by_the_served_models_spec(api, reason, canonical):
    scored(api)

    receipt = outcome(api, {"outcome": "lost", "reason": reason}).json()

    assert (receipt["reason"], receipt["canonical_reason"]) == (reason, canonical)


def test_without_a_model_only_canonical_names_and_common_wordings_are_mapped(make_client, tmp_path):
    scored(make_client())
    no_model = make_client(model_uri=str(tmp_path / "absent-model"))

    picklist = outcome(no_model, {"outcome": "lost", "reason": "Not the right moment"})
    canonical = outcome(no_model, {"outcome": "lost", "reason": "bad timing"})

    assert picklist.json()["canonical_reason"] == "other"
    assert canonical.json()["canonical_reason"] == "bad_timing"


def test_the_same_key_and_body_returns_the_first_answer_and_stores_nothing(api, store_url):
    scored(api)
    first = outcome(api, LOST, key="k-1")

    again = outcome(api, LOST, key="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "replayed": True}
    assert stored_events(store_url) == 1


@pytest.mark.parametrize(
    ("body", "lead_id"), [({**LOST, "reason": "No budget"}, "L-1"), (LOST, "L-2")]
)
def test_the_same_key_with_another_body_is_a_422_conflict(api, store_url, body, lead_id):
    scored(api, "L-1")
    scored(api, "L-2")
    outcome(api, LOST, key="k-1")

    r = outcome(api, body, lead_id=lead_id, key="k-1")

    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "idempotency_conflict"
    assert "'k-1' was already used for a different request" in err["message"]
    assert stored_events(store_url) == 1


def test_without_a_key_every_post_is_a_new_event(api, store_url):
    scored(api)

    assert [outcome(api, WON).status_code for _ in range(2)] == [201, 201]
    assert stored_events(store_url) == 2


def test_fifty_concurrent_posts_with_one_key_store_one_event(serve_settings, store_url):
    workers = 50
    start = threading.Barrier(workers)

    with live_server(create_app(serve_settings())) as url, httpx.Client(base_url=url) as http:
        scored(http)

        def post(_: int) -> httpx.Response:
            start.wait()
            return outcome(http, LOST, key="same-key")

        with ThreadPoolExecutor(workers) as pool:
            responses = list(pool.map(post, range(workers)))

    assert sorted(r.status_code for r in responses) == [200] * (workers - 1) + [201]
    assert len({r.json()["event_id"] for r in responses}) == 1
    assert sum(r.json()["replayed"] for r in responses) == workers - 1
    assert stored_events(store_url) == 1


def test_an_outcome_for_a_lead_never_scored_is_a_404(api):
    r = outcome(api, WON, lead_id="ghost")

    assert r.status_code == 404
    err = error(r)
    assert err["code"] == "lead_not_found"
    assert "'ghost' was never scored" in err["message"]
    assert "POST /v1/leads/score" in err["message"]


def test_the_history_of_a_lead_never_scored_is_a_404(api):
    r = api.get("/v1/leads/ghost")

    assert r.status_code == 404
    assert error(r)["code"] == "lead_not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WON, "stage": "closed"}, "stage"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "won", "rating": 7}, "rating"),
        ({"outcome": "lost", "occurred_at": "yesterday"}, "occurred_at"),
        ({"outcome": "won", "occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
        ({}, "outcome"),
    ],
)
def test_a_bad_outcome_body_is_a_422_naming_the_field(api, body, field):
    scored(api)

    r = outcome(api, body)

    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "invalid_request"
    assert err["details"]["errors"][0]["field"] == field


# --- settings ---------------------------------------------------------------------------


def test_the_store_defaults_to_a_sqlite_file_in_home(monkeypatch, tmp_path):
    monkeypatch.delenv("LEADGRADE_DATABASE_URL", raising=False)

    settings = ServeSettings(home=tmp_path)

    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'leads.db'}"
    assert settings.migrate_on_start is True


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql://db/leads", "supports"), ("not a url", "not a database URL")],
)
def test_an_unsupported_database_url_stops_the_service_at_start(url, message):
    with pytest.raises(ValidationError, match=message):
        ServeSettings(database_url=url)

"""Strict input: what a careless caller sends is a 422 naming the field, on every backend.

Each case is one the probe of the running service found accepted (or a 500/503) before.
"""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.request import LEAD_ID_PATTERN
from serving.settings import ServeSettings
from tests.serving.support import LEAD, error


def _field_of(response) -> str:
    assert response.status_code == 422, response.text
    err = error(response)
    assert err["code"] == "invalid_request"
    return str(err["details"]["errors"][0]["field"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"employees": -5000}, "employees"),
        ({"employees": 1e308}, "employees"),
        ({"pages_viewed": 1e200}, "pages_viewed"),
        ({"employees": True}, "employees"),
        ({"employees": "12"}, "employees"),
        ({"company": 0}, "company"),
        ({"industry": 12.5}, "industry"),
        ({"demo_requested": 1}, "demo_requested"),
        ({"demo_requested": "yes"}, "demo_requested"),
        ({"created_at": 1700000000}, "created_at"),
        ({"lead_id": "L-1\u0000"}, "lead_id"),
        ({"lead_id": "L-\u0007bell"}, "lead_id"),
        ({"lead_id": "a/b"}, "lead_id"),
        ({"lead_id": ".."}, "lead_id"),
        ({"lead_id": "x" * 201}, "lead_id"),
        ({"job_title": "VP\u0000Sales"}, "job_title"),
        ({"created_at": "1969-12-31T23:59:59Z"}, "created_at"),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),
        ({"created_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "created_at"),
    ],
)
def test_a_lead_the_api_should_not_accept_is_a_422_naming_the_field(api, change, field):
    assert _field_of(api.post("/v1/leads/score", json={**LEAD, **change})) == field


def test_a_lead_within_the_specs_ranges_and_dates_is_scored(api):
    edge = {**LEAD, "employees": 0, "pages_viewed": 100_000, "created_at": "1970-01-01T00:00:00Z"}

    assert api.post("/v1/leads/score", json=edge).status_code == 200


@pytest.mark.parametrize(
    ("created_at", "status"),
    [
        ("1999-12-31T23:59:59Z", 422),
        ("2000-01-01T00:00:00Z", 200),
        ((datetime.now(UTC) + timedelta(hours=1)).isoformat(), 422),
        ((datetime.now(UTC) - timedelta(minutes=1)).isoformat(), 200),
    ],
)
def test_the_date_bounds_of_a_lead_are_settings(make_client, created_at, status):
    api = make_client(earliest_date="2000-01-01", future_date_hours=0)

    r = api.post("/v1/leads/score", json={**LEAD, "created_at": created_at})

    assert r.status_code == status, r.text
    if status == 422:
        assert error(r)["details"]["errors"][0]["field"] == "created_at"


def test_the_earliest_outcome_date_is_the_same_setting(make_client):
    api = make_client(earliest_date="2000-01-01")
    assert api.post("/v1/leads/score", json=LEAD).status_code == 200
    outcome = "/v1/leads/L-1/outcome"

    before = api.post(outcome, json={"outcome": "won", "occurred_at": "1999-12-31T23:00:00Z"})
    after = api.post(outcome, json={"outcome": "won", "occurred_at": "2000-01-01T00:00:00Z"})

    assert _field_of(before) == "occurred_at"
    assert "before 2000-01-01" in error(before)["message"]
    assert after.status_code == 201, after.text


def test_the_date_bounds_read_the_environment(monkeypatch):
    monkeypatch.setenv("LEADGRADE_EARLIEST_DATE", "2010-05-01")
    monkeypatch.setenv("LEADGRADE_FUTURE_DATE_HOURS", "2")

    settings = ServeSettings()

    assert settings.earliest_date == date(2010, 5, 1)
    assert settings.future_date_hours == 2


def test_one_lead_id_twice_in_a_batch_is_a_422_and_nothing_is_stored(api):
    batch = [{**LEAD, "lead_id": f"L-{i % 3}"} for i in range(1000)]

    assert _field_of(api.post("/v1/leads/score", json=batch[:5])) == "3.lead_id"
    assert api.get("/v1/leads/L-0").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "lost", "note": "call back\u0000"}, "note"),
        ({"outcome": "lost", "reason": "\u0000"}, "reason"),
        ({"outcome": "won", "occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at"),
        ({"outcome": "won", "occurred_at": "1969-07-20T20:17:00Z"}, "occurred_at"),
        ({"outcome": "won", "occurred_at": "9999-12-31T23:00:00-05:00"}, "occurred_at"),
        ({"outcome": "won", "occurred_at": 0}, "occurred_at"),
        ({"outcome": "lost", "reason": 12}, "reason"),
    ],
)
def test_an_outcome_no_backend_can_hold_is_a_422_not_a_store_failure(api, body, field):
    assert api.post("/v1/leads/score", json=LEAD).status_code == 200

    assert _field_of(api.post("/v1/leads/L-1/outcome", json=body)) == field


@pytest.mark.parametrize("lead_id", ["L-1\u0000", "L 1", "L-1?x=1", "-L"])
def test_a_path_lead_id_the_api_would_never_accept_is_a_422(api, lead_id):
    r = api.get(f"/v1/leads/{quote(lead_id, safe='')}")

    assert r.status_code == 422
    assert error(r)["details"]["errors"][0]["field"] == "path.lead_id"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(lead_id=st.from_regex(LEAD_ID_PATTERN, fullmatch=True))
def test_every_lead_id_the_api_accepts_can_be_read_back_and_given_an_outcome(api, lead_id):
    scored = api.post("/v1/leads/score", json={**LEAD, "lead_id": lead_id})
    assert scored.status_code == 200, scored.text

    path = f"/v1/leads/{quote(lead_id, safe='')}"
    read = api.get(path)
    reported = api.post(f"{path}/outcome", json={"outcome": "won"})

    assert read.status_code == 200, read.text
    assert read.json()["lead_id"] == lead_id
    assert reported.status_code == 201, reported.text


@pytest.mark.parametrize("body", [b"u\xff", b"\xfe\xff,?_"])
def test_a_body_that_is_not_json_text_is_a_422_in_the_error_shape(api, body):
    r = api.post("/v1/leads/score", content=body, headers={"Content-Type": "application/json"})

    assert _field_of(r) == "body"

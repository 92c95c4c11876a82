"""The alignment reports over HTTP after a demo replay, checked against the demo data itself.

One module-wide service on SQLite: a tiny real model scores 1,500 demo leads sent the way
``leadgrade demo-feedback`` sends them (each with its creation time), and their stages and
outcomes are posted with the demo timeline's times. The counts that do not depend on the
model (leads, won and lost per month, target-account leads) are computed from the demo
frame with pandas and must match the API cell for cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.spec import demo_spec
from leadgrade.demo_feedback import demo_records, outcome_payload, replay, replay_as_of
from serving.app import create_app
from serving.settings import ServeSettings
from tests.serving.support import error
from training.demo_data import generate_leads
from training.demo_timeline import timeline

ROWS = 1500


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> Iterator[tuple[TestClient, pd.DataFrame]]:
    home = tmp_path_factory.mktemp("alignment")
    leads = generate_leads(ROWS, seed=21)
    leads.to_csv(home / "leads.csv", index=False)
    settings = ServeSettings(
        model_uri=str(model_path), model_poll_seconds=0, home=home,
        database_url=f"sqlite:///{home / 'leads.db'}",
    )  # fmt: skip
    with TestClient(create_app(settings)) as api:
        replay(api, demo_records(home / "leads.csv", demo_spec(), None), demo_spec())
        yield api, leads


def _months(leads: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(leads["created_at"]).dt.strftime("%Y-%m")


def test_kpis_by_month_match_the_demo_data(demo):
    api, leads = demo
    body = api.get("/v1/reports/kpis", params={"period": "month"}).json()
    rows = {row["period"]: row for row in body["rows"]}
    months = _months(leads)
    assert list(rows) == sorted(months.unique())  # 18 months, none missing
    assert len(rows) == 18
    closed = leads.assign(month=months)
    for month, expected in closed.groupby("month"):
        row = rows[month]
        assert row["leads"] == len(expected)
        assert row["won"] == int((expected["status"] == "won").sum())
        assert row["lost"] == int(expected["status"].isin(["lost", "disqualified"]).sum())
        assert row["accepted"] >= row["opportunities"] >= row["won"]


def test_kpis_show_a_promise_mostly_kept_and_days_to_feedback(demo):
    api, _ = demo
    rows = api.get("/v1/reports/kpis").json()["rows"]
    rates = [r["follow_up_rate"] for r in rows if r["follow_up_rate"] is not None]
    assert 0.4 < sum(rates) / len(rates) < 0.95
    days = [r["median_days_to_feedback"] for r in rows if r["median_days_to_feedback"]]
    assert all(d > 0 for d in days)


def test_kpis_download_as_csv(demo):
    api, leads = demo
    response = api.get("/v1/reports/kpis", params={"period": "quarter", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "kpis-by-quarter.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["period"] == "2025-Q2"
    assert sum(int(r["leads"]) for r in rows) == len(leads)


def test_follow_up_by_grade_shows_kept_late_and_missing(demo):
    api, _ = demo
    rows = {
        r["group"]: r
        for r in api.get("/v1/reports/follow-up", params={"by": "grade"}).json()["rows"]
    }
    a, b = rows["A"], rows["B"]
    assert a["kept_rate"] > b["kept_rate"]  # most A leads within their day
    assert b["late"] > 0
    assert b["missing"] > 0
    for row in rows.values():
        parts = row["on_time"] + row["late"] + row["missing"] + row["pending"]
        assert parts == row["routed_to_sales"]


def test_follow_up_by_grade_matches_the_demo_timeline_from_the_first_score(demo, tmp_path):
    api, leads = demo
    spec = demo_spec()
    leads.to_csv(tmp_path / "leads.csv", index=False)
    records = demo_records(tmp_path / "leads.csv", spec, None)  # as the replay read them
    as_of = replay_as_of(records, spec)
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        lead = api.get(f"/v1/leads/{record['lead_id']}").json()
        scored_at = datetime.fromisoformat(lead["first_scored_at"])
        # The demo is history, backfilled: each lead was first scored when it was created.
        assert scored_at == pd.Timestamp(record["created_at"], tz="UTC")
        first = lead["scores"][-1]
        if first["route"]["queue"] != "sales":
            continue
        due = scored_at + timedelta(hours=first["route"]["follow_up_within_hours"])
        closed = outcome_payload(record, spec) or {"outcome": None, "reason": None}
        events = timeline(
            record["lead_id"], scored_at, first["grade"], closed["outcome"], closed["reason"],
            to_sales=True, as_of=as_of,
        )  # fmt: skip
        answered = events[0].occurred_at if events else None
        status = "missing" if answered is None else "on_time" if answered <= due else "late"
        expected[first["grade"]][status] += 1

    rows = api.get("/v1/reports/follow-up", params={"by": "grade"}).json()["rows"]
    counted = ("on_time", "late", "missing")
    got = {r["group"]: Counter({k: r[k] for k in counted if r[k]}) for r in rows}
    assert got == expected
    assert all(r["pending"] == 0 for r in rows)  # every demo deadline has passed


def test_follow_up_filters_by_campaign(demo):
    api, _ = demo
    params = {"by": "campaign", "campaign": "Web Summit"}
    rows = api.get("/v1/reports/follow-up", params=params).json()["rows"]
    assert [r["group"] for r in rows] == ["Web Summit"]


def test_target_accounts_match_the_demo_data(demo):
    api, leads = demo
    body = api.get("/v1/reports/target-accounts").json()
    domains = leads["email"].str.rsplit("@", n=1).str[-1].str.lower()
    expected = {d: int((domains == d).sum()) for d in demo_spec().target_accounts.domains}
    got = {row["account"]: row["leads"] for row in body["rows"]}
    assert got == {d: n for d, n in expected.items() if n}
    assert body["not_reached"] == [d for d, n in expected.items() if not n]
    assert body["reached"] == len(got)


def test_campaign_changes_name_the_cold_list_message(demo):
    api, _ = demo
    body = api.get("/v1/reports/campaign-changes").json()
    flagged = {(c["campaign"], c["reason"]) for c in body["changes"]}
    # The demo's cold list brings leads with no real need: the message must change.
    assert ("Outbound - ICP list", "no_need") in flagged
    change = next(c for c in body["changes"] if c["campaign"] == "Outbound - ICP list")
    assert change["change"] == "message and value proposition"
    assert change["share"] > change["others_share"]
    assert "z-test" in body["method"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/reports/kpis", {"period": "year"}, "period"),
        ("/v1/reports/kpis", {"since": "yesterday"}, "since"),
        ("/v1/reports/follow-up", {"by": "country"}, "by"),
        ("/v1/reports/target-accounts", {"grade": "E"}, "grade"),
        ("/v1/reports/kpis", {"until": "0"}, "until"),
        ("/v1/reports/follow-up", {"since": "2025-06-01T00:00:00"}, "since"),
        ("/v1/reports/overdue", {"until": "1717171717"}, "until"),
    ],
)
def test_bad_report_parameters_are_422_naming_the_field(demo, path, params, field):
    api, _ = demo
    response = api.get(path, params=params)
    assert response.status_code == 422
    assert field in error(response)["message"]


def test_until_before_since_is_an_empty_range_not_an_error(demo):
    api, _ = demo
    swapped = {"since": "2025-06-01", "until": "2025-05-01"}

    kpis = api.get("/v1/reports/kpis", params=swapped)
    changes = api.get("/v1/reports/campaign-changes", params=swapped)

    assert kpis.status_code == 200, kpis.text
    assert sum(row["leads"] for row in kpis.json()["rows"]) == 0
    assert changes.status_code == 200, changes.text


@pytest.mark.parametrize("path", ["/v1/reports/kpis", "/v1/reports/overdue"])
def test_the_first_and_last_days_of_the_calendar_are_filters_like_any(demo, path):
    api, _ = demo

    response = api.get(path, params={"since": "0001-01-01", "until": "9999-12-31"})

    assert response.status_code == 200, response.text


def _cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]  # the first is the header
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]


def test_the_monthly_page_shows_the_api_numbers(demo):
    api, _ = demo
    page = api.get("/ui/alignment")
    assert page.status_code == 200
    assert '<a href="/ui/alignment" aria-current="page">' in page.text
    report = api.get("/v1/reports/kpis").json()["rows"]
    shown = _cells(page.text, "kpis")
    assert [row[:2] for row in shown] == [[r["period"], str(r["leads"])] for r in report]
    assert [row[5] for row in shown] == [str(r["won"]) for r in report]
    accounts = api.get("/v1/reports/target-accounts").json()
    assert f"{accounts['reached']} of {accounts['accounts']}" in page.text
    assert "Outbound - ICP list: message and value proposition." in page.text


def test_the_monthly_page_filters_like_the_api(demo):
    api, _ = demo
    params = {"period": "quarter", "grade": "A", "since": "2025-07-01"}
    page = api.get("/ui/alignment", params=params)
    report = api.get("/v1/reports/kpis", params=params).json()["rows"]
    assert [row[1] for row in _cells(page.text, "kpis")] == [str(r["leads"]) for r in report]
    assert report[0]["period"] == "2025-Q3"
    csv_file = api.get("/ui/alignment.csv", params=params)
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.text == api.get("/v1/reports/kpis", params={**params, "format": "csv"}).text


@pytest.mark.parametrize(
    ("params", "words"),
    [({"grade": "E"}, "grade"), ({"since": "soon"}, "since"), ({"period": "year"}, "period")],
)
def test_a_bad_filter_on_the_page_is_said_in_words(demo, params, words):
    api, _ = demo
    page = api.get("/ui/alignment", params=params)
    assert page.status_code == 422
    assert 'id="filter-error"' in page.text
    assert words in page.text.split('id="filter-error"', 1)[1][:300]


def test_the_overdue_list_takes_the_same_filters(demo):
    api, _ = demo
    every = api.get("/v1/reports/overdue").json()
    assert every["count"] > 0  # some demo leads never heard back from sales
    by_grade = [api.get("/v1/reports/overdue", params={"grade": g}).json() for g in "ABCD"]
    assert sum(body["count"] for body in by_grade) == every["count"]  # each lead in one grade
    ids = sorted(lead["lead_id"] for body in by_grade for lead in body["leads"])
    assert ids == sorted(lead["lead_id"] for lead in every["leads"])
    missing = api.get("/v1/reports/follow-up", params={"by": "grade"}).json()["rows"]
    assert every["count"] >= sum(row["missing"] for row in missing) > 0
    assert api.get("/v1/reports/overdue", params={"campaign": "no such"}).json()["count"] == 0

"""Funnel and overdue reports over HTTP, on a small history whose numbers are worked by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from features.spec import LeadSpec, demo_spec
from store.funnel import funnel_fields, parse_dimensions
from tests.serving.support import LEAD, error

DAY = timedelta(days=1)
MAR, APR = datetime(2024, 3, 1, 9, tzinfo=UTC), datetime(2024, 4, 1, 9, tzinfo=UTC)

# lead, campaign, lead_source, grade, first scored, outcome, reason as sales wrote it, days
HISTORY = [
    ("L1", "spring", "webinar", "A", MAR, "won", None, 10),
    ("L2", "spring", "webinar", "B", MAR + 4 * DAY, "lost", "No budget", 4),
    ("L3", "spring", "ads", "C", APR + 1 * DAY, "lost", "no budget", 20),
    ("L4", "spring", "ads", "D", APR + 2 * DAY, None, None, None),
    ("L5", "autumn", "ads", "A", MAR + 1 * DAY, "disqualified", "Duplicate / invalid", 1),
    ("L6", "autumn", "webinar", "B", APR + 8 * DAY, "lost", "Went with a competitor", 30),
    ("L7", "autumn", "webinar", "C", APR + 9 * DAY, "won", None, 15),
    ("L8", None, "ads", "D", MAR + 19 * DAY, None, None, None),
]

# group, leads, share A/B, worked, won, lost, win rate, median days, top loss reasons
BY_CAMPAIGN = [
    (["autumn"], 3, 2 / 3, 3, 1, 2, 1 / 3, 15, [("competitor", 1), ("invalid", 1)]),
    (["spring"], 4, 2 / 4, 3, 1, 2, 1 / 3, 10, [("no_budget", 2)]),
    ([None], 1, 0, 0, 0, 0, None, None, []),
]
BY_CAMPAIGN_MONTH = [
    (["autumn", "2024-03"], 1, 1, 1, 0, 1, 0, 1, [("invalid", 1)]),
    (["autumn", "2024-04"], 2, 1 / 2, 2, 1, 1, 1 / 2, 22.5, [("competitor", 1)]),
    (["spring", "2024-03"], 2, 1, 2, 1, 1, 1 / 2, 7, [("no_budget", 1)]),
    (["spring", "2024-04"], 2, 0, 1, 0, 1, 0, 20, [("no_budget", 1)]),
    ([None, "2024-03"], 1, 0, 0, 0, 0, None, None, []),
]
BY_SOURCE = [
    (["ads"], 4, 1 / 4, 2, 0, 2, 0, 10.5, [("invalid", 1), ("no_budget", 1)]),
    (["webinar"], 4, 3 / 4, 4, 2, 2, 1 / 2, 12.5, [("competitor", 1), ("no_budget", 1)]),
]
BY_GRADE = [
    (["A"], 2, 1, 2, 1, 1, 1 / 2, 5.5, [("invalid", 1)]),
    (["B"], 2, 1, 2, 0, 2, 0, 17, [("competitor", 1), ("no_budget", 1)]),
    (["C"], 2, 0, 2, 1, 1, 1 / 2, 17.5, [("no_budget", 1)]),
    (["D"], 2, 0, 0, 0, 0, None, None, []),
]


@pytest.fixture
def history(store, score_lead, api):
    """The hand-built history: scored into the store, outcomes reported through the API."""
    for lead_id, campaign, source, grade, at, outcome, reason, days in HISTORY:
        score_lead(lead_id, at, grade, campaign=campaign, lead_source=source)
        if outcome is not None:
            occurred = (at + days * DAY).isoformat()
            body = {"outcome": outcome, "reason": reason, "occurred_at": occurred}
            assert api.post(f"/v1/leads/{lead_id}/outcome", json=body).status_code == 201
    return api


def as_tuples(rows: list[dict], by: list[str]) -> list[tuple]:
    return [
        (
            [row["group"][d] for d in by],
            row["leads"],
            pytest.approx(row["share_a_or_b"]),
            row["worked"],
            row["won"],
            row["lost"],
            None if row["win_rate"] is None else pytest.approx(row["win_rate"]),
            row["median_days_to_outcome"],
            [(r["reason"], r["count"]) for r in row["top_loss_reasons"]],
        )
        for row in rows
    ]


@pytest.mark.parametrize(
    ("query", "by", "expected"),
    [
        ("by=campaign", ["campaign"], BY_CAMPAIGN),
        ("", ["campaign"], BY_CAMPAIGN),
        ("by=campaign&by=month", ["campaign", "month"], BY_CAMPAIGN_MONTH),
        ("by=source", ["source"], BY_SOURCE),
        ("by=grade", ["grade"], BY_GRADE),
    ],
)
def test_the_funnel_matches_the_counts_worked_by_hand(history, query, by, expected):
    r = history.get(f"/v1/reports/funnel?{query}")

    assert r.status_code == 200
    body = r.json()
    assert body["by"] == by
    assert body["fields"] == {"campaign": "campaign", "source": "lead_source"}
    assert as_tuples(body["rows"], by) == expected


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("by=region", "query.by.0", "Input should be 'campaign', 'source', 'grade' or 'month'"),
        ("by=Campaign", "query.by.0", "Input should be 'campaign'"),
        ("by=campaign,month", "query.by.0", "Input should be 'campaign'"),
        ("by=grade&by=grade", "by", "'grade' is given twice"),
    ],
)
def test_a_bad_dimension_is_a_422_naming_the_parameter(api, query, field, message):
    r = api.get(f"/v1/reports/funnel?{query}")

    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "invalid_request"
    assert err["message"].startswith(f"{field}: ")
    assert message in err["message"]
    assert err["details"]["errors"][0]["field"] == field


def test_overdue_lists_sales_leads_past_their_follow_up_without_outcome(score_lead, api):
    now = datetime.now(UTC)
    hours = timedelta(hours=1)
    arrived = {"created_at": None}  # scored as they arrive: the clock starts at the score
    score_lead("late", now - 48 * hours, "A", **arrived)  # A: follow up within 24 h
    score_lead("in-time", now - 2 * hours, "A", **arrived)
    score_lead("worked", now - 48 * hours, "A", **arrived)
    api.post("/v1/leads/worked/outcome", json={"outcome": "won"})
    score_lead("nurture", now - 900 * hours, "C", **arrived)

    body = api.get("/v1/reports/overdue").json()

    assert body["count"] == 1
    (late,) = body["leads"]
    assert (late["lead_id"], late["grade"], late["client"]) == ("late", "A", "crm")
    assert late["hours_overdue"] == pytest.approx(24, abs=0.1)


def test_funnel_pages_follow_next_cursor_to_the_last_group(history):
    every = history.get("/v1/reports/funnel?by=campaign&by=month").json()["rows"]
    seen, query = [], "by=campaign&by=month&limit=2"
    while True:
        body = history.get(f"/v1/reports/funnel?{query}").json()
        seen += body["rows"]
        if body["next_cursor"] is None:
            break
        query = f"by=campaign&by=month&limit=2&cursor={body['next_cursor']}"

    assert seen == every
    assert len(every) == 5


def test_overdue_pages_follow_next_cursor_and_count_every_page(score_lead, api):
    now = datetime.now(UTC)
    for i in range(5):
        score_lead(f"late-{i}", now - (48 + i) * timedelta(hours=1), "A", created_at=None)

    first = api.get("/v1/reports/overdue?limit=3").json()
    second = api.get(f"/v1/reports/overdue?limit=3&cursor={first['next_cursor']}").json()

    assert (first["count"], second["count"]) == (5, 5)
    ids = [lead["lead_id"] for lead in first["leads"] + second["leads"]]
    assert ids == [f"late-{i}" for i in (4, 3, 2, 1, 0)]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("path", ["/v1/reports/funnel", "/v1/reports/overdue", "/v1/leads/x"])
@pytest.mark.parametrize("query", ["cursor=nonsense", "limit=0", "limit=501"])
def test_a_bad_page_is_a_422_naming_the_parameter(api, score_lead, path, query):
    score_lead("x", datetime.now(UTC), "A")

    r = api.get(f"{path}?{query}")

    assert r.status_code == 422
    assert query.split("=")[0] in error(r)["message"]


def test_the_follow_up_deadline_runs_from_the_first_score(score_lead, api):
    now = datetime.now(UTC)
    hours = timedelta(hours=1)
    created = {"created_at": (now - 4 * DAY).isoformat()}  # both sent in days after creation
    score_lead("answered", now - 30 * hours, "A", **created)
    score_lead("unanswered", now - 10 * hours, "A", **created)
    answered = {"outcome": "accepted", "occurred_at": (now - 10 * hours).isoformat()}
    assert api.post("/v1/leads/answered/outcome", json=answered).status_code == 201

    (row,) = api.get("/v1/reports/follow-up", params={"by": "grade"}).json()["rows"]
    # 20 h after its score: on time (3 d 14 h after its creation, it would be late)
    assert (row["on_time"], row["late"], row["missing"], row["pending"]) == (1, 0, 0, 1)
    assert api.get("/v1/reports/overdue").json()["count"] == 0
    (kpis,) = api.get("/v1/reports/kpis").json()["rows"]
    assert kpis["median_days_to_feedback"] == pytest.approx(20 / 24, abs=0.01)


@pytest.mark.parametrize(
    ("created", "backfill", "scored"),
    [
        (-10 * DAY, "true", -10 * DAY),  # history: scored when it was created
        (None, "true", timedelta(0)),  # no creation time: scored now
        (timedelta(hours=2), "true", timedelta(0)),  # never later than now
        (-10 * DAY, "false", timedelta(0)),  # the default: scored now
    ],
)
def test_a_backfill_stores_each_lead_as_scored_when_it_was_created(api, created, backfill, scored):
    now = datetime.now(UTC)
    lead = LEAD | {"created_at": None if created is None else (now + created).isoformat()}
    response = api.post("/v1/leads/score/batch", params={"backfill": backfill}, json=[lead])
    assert response.status_code == 200, response.text

    stored = api.get(f"/v1/leads/{LEAD['lead_id']}").json()
    first = datetime.fromisoformat(stored["first_scored_at"])
    assert first == pytest.approx(now + scored, abs=timedelta(minutes=1))
    assert stored["scores"][0]["scored_at"] == stored["first_scored_at"]


# --- plain functions behind the endpoints -----------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["campaign"], ["campaign"]),
        (["campaign, month"], ["campaign", "month"]),
        (["Source", "grade"], ["source", "grade"]),
    ],
)
def test_dimensions_are_read_from_repeated_or_comma_separated_values(values, expected):
    assert parse_dimensions(values) == expected


_SPEC = """
[lead]
id = "id"
[outcome]
column = "stage"
won = ["won"]
lost = ["lost"]
[features]
categorical = {categorical}
"""


@pytest.mark.parametrize(
    ("categorical", "expected"),
    [
        (["utm_campaign", "utm_source", "country"], ("utm_campaign", "utm_source")),
        (["source", "lead_source", "campaign"], ("campaign", "source")),
        (["country"], ("campaign", "lead_source")),
    ],
)
def test_funnel_fields_come_from_the_spec_when_it_has_such_fields(categorical, expected):
    spec = LeadSpec.parse(_SPEC.format(categorical=str(categorical).replace("'", '"')))

    assert funnel_fields(spec) == expected


def test_funnel_fields_without_a_spec_are_the_demo_names():
    assert funnel_fields(None) == funnel_fields(demo_spec()) == ("campaign", "lead_source")

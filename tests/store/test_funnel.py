"""The funnel and overdue follow-ups on a small history whose numbers are worked out by hand."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store import OutcomeIn
from store.funnel import FunnelRow, funnel, funnel_page
from store.lead_facts import LeadFilter
from store.overdue import overdue, overdue_page

MARCH = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
APRIL = datetime(2024, 4, 8, 10, 0, tzinfo=UTC)
MAY = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)

# lead, first scored, grade, campaign, source, then (outcome, picklist reason, days after).
# s3 is scored again in May as a B lead of "summer" from "webinar": the funnel must keep it
# in spring, ads, March and grade C, as first scored (what sales was told). s1 was first
# reported lost, then corrected to won: only the latest outcome counts.
Events = list[tuple[str, str | None, int]]
HISTORY: list[tuple[str, datetime, str, str | None, str | None, Events]] = [
    ("s1", MARCH, "A", "spring", "webinar", [("lost", "No budget", 5), ("won", None, 10)]),
    ("s2", MARCH, "B", "spring", "ads", [("lost", "No budget", 20)]),
    ("s3", MARCH, "C", "spring", "ads", []),
    ("s4", MARCH, "D", "spring", "webinar", [("disqualified", "Duplicate / invalid", 2)]),
    ("s5", APRIL, "A", "spring", "ads", [("lost", "No budget", 4)]),
    ("u1", APRIL, "B", "summer", "webinar", [("won", None, 30)]),
    ("u2", APRIL, "C", "summer", "ads", [("lost", "Went with a competitor", 6)]),
    ("u3", APRIL, "A", "summer", "webinar", []),
    ("n1", MARCH, "D", None, None, []),
]

# Expected rows, counted by hand from HISTORY:
# (group, leads, share A/B, worked, won, lost, win rate, median days, top loss reasons)
BY_CAMPAIGN = [
    (("spring",), 5, 3 / 5, 4, 1, 3, 1 / 4, 7.0, [("no_budget", 2), ("invalid", 1)]),
    (("summer",), 3, 2 / 3, 2, 1, 1, 1 / 2, 18.0, [("competitor", 1)]),
    ((None,), 1, 0.0, 0, 0, 0, None, None, []),
]
BY_MONTH = [
    (("2024-03",), 5, 2 / 5, 3, 1, 2, 1 / 3, 10.0, [("invalid", 1), ("no_budget", 1)]),
    (("2024-04",), 4, 3 / 4, 3, 1, 2, 1 / 3, 6.0, [("competitor", 1), ("no_budget", 1)]),
]
BY_CAMPAIGN_MONTH = [
    (("spring", "2024-03"), 4, 2 / 4, 3, 1, 2, 1 / 3, 10.0, [("invalid", 1), ("no_budget", 1)]),
    (("spring", "2024-04"), 1, 1.0, 1, 0, 1, 0.0, 4.0, [("no_budget", 1)]),
    (("summer", "2024-04"), 3, 2 / 3, 2, 1, 1, 1 / 2, 18.0, [("competitor", 1)]),
    ((None, "2024-03"), 1, 0.0, 0, 0, 0, None, None, []),
]
BY_GRADE = [
    (("A",), 3, 1.0, 2, 1, 1, 1 / 2, 7.0, [("no_budget", 1)]),
    (("B",), 2, 1.0, 2, 1, 1, 1 / 2, 25.0, [("no_budget", 1)]),
    (("C",), 2, 0.0, 1, 0, 1, 0.0, 6.0, [("competitor", 1)]),
    (("D",), 2, 0.0, 1, 0, 1, 0.0, 2.0, [("invalid", 1)]),
]
BY_SOURCE = [
    (("ads",), 4, 2 / 4, 3, 0, 3, 0.0, 6.0, [("no_budget", 2), ("competitor", 1)]),
    (("webinar",), 4, 3 / 4, 3, 2, 1, 2 / 3, 10.0, [("invalid", 1)]),
    ((None,), 1, 0.0, 0, 0, 0, None, None, []),
]


@pytest.fixture
def history(store, store_spec, score_lead):
    for lead_id, at, grade, campaign, source, outcomes in HISTORY:
        score_lead(lead_id, at, grade, campaign=campaign, lead_source=source)
        for outcome, reason, days in outcomes:
            event = OutcomeIn(outcome=outcome, reason=reason, occurred_at=at + days * DAY)
            store.record_outcome(
                lead_id,
                event,
                client="crm",
                idempotency_key=None,
                reason_mapping=store_spec.feedback.reasons,
            )
    score_lead("s3", MAY, "B", campaign="summer", lead_source="webinar")
    return store


def _as_tuples(rows: list[FunnelRow]) -> list[tuple[Any, ...]]:
    return [
        (
            tuple(row.group.values()),
            row.leads,
            pytest.approx(row.share_a_or_b),
            row.worked,
            row.won,
            row.lost,
            None if row.win_rate is None else pytest.approx(row.win_rate),
            row.median_days_to_outcome,
            [(r.reason, r.count) for r in row.top_loss_reasons],
        )
        for row in rows
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (["campaign"], BY_CAMPAIGN),
        (["month"], BY_MONTH),
        (["source"], BY_SOURCE),
        (["campaign", "month"], BY_CAMPAIGN_MONTH),
        (["grade"], BY_GRADE),
    ],
)
def test_funnel_matches_the_counts_by_hand(history, by, expected):
    rows = funnel(history, by)

    assert _as_tuples(rows) == expected
    assert all(list(row.group) == by for row in rows)


def test_funnel_without_dimensions_is_one_total_row(history):
    (total,) = funnel(history, [])

    assert total.group == {}
    assert (total.leads, total.worked, total.won, total.lost) == (9, 6, 2, 4)


def test_funnel_reads_custom_field_names(store, score_lead):
    score_lead("L1", MARCH, "A", industry="retail")

    (row,) = funnel(store, ["campaign"], campaign_field="industry")

    assert row.group == {"campaign": "retail"}


def test_funnel_keeps_the_three_most_common_loss_reasons(store, store_spec, score_lead):
    reasons = ["No budget", "No budget", "Wrong target", "Never reached", "No real need"]
    for i, reason in enumerate(reasons):
        score_lead(f"L{i}", MARCH, "C")
        event = OutcomeIn(outcome="lost", reason=reason)
        mapping = store_spec.feedback.reasons
        store.record_outcome(
            f"L{i}", event, client="crm", idempotency_key=None, reason_mapping=mapping
        )

    (row,) = funnel(store, ["campaign"])

    assert [(r.reason, r.count) for r in row.top_loss_reasons] == [
        ("no_budget", 2),
        ("no_need", 1),
        ("unreachable", 1),
    ]


@pytest.mark.parametrize("by", [["region"], ["grade", "grade"]])
def test_funnel_rejects_unknown_or_repeated_dimensions(store, by):
    with pytest.raises(ValueError, match="distinct dimensions"):
        funnel(store, by)


def test_overdue_lists_sales_leads_past_their_deadline_without_outcome(store, score_lead):
    def scored(lead_id, at, grade, **fields):  # scored as it arrives: no creation time
        score_lead(lead_id, at, grade, **({"created_at": None} | fields))

    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    hours = timedelta(hours=1)
    scored("late-a", now - 48 * hours, "A")  # 24 h deadline: 24 h overdue
    scored("not-yet", now - 2 * hours, "A")
    scored("late-b", now - 200 * hours, "B")  # 168 h deadline: 32 h overdue
    scored("worked", now - 48 * hours, "A")
    store.record_outcome("worked", OutcomeIn(outcome="won"), client="crm", idempotency_key=None)
    scored("nurture", now - 900 * hours, "C")
    scored("rescored", now - 30 * hours, "A")  # the first score's deadline counts: 6 h overdue
    scored("rescored", now - 1 * hours, "A")
    scored("demoted", now - 100 * hours, "A")  # sales was told A: 76 h overdue
    scored("demoted", now - 90 * hours, "D")
    scored("promoted", now - 100 * hours, "C")  # first nurtured: sales owes nothing
    scored("promoted", now - 90 * hours, "A")
    # sent in 52 h after it was created: its clock runs from its score, due in 4 h
    scored("sent-late", now - 20 * hours, "A", created_at=(now - 72 * hours).isoformat())

    late = overdue(store, now=now)

    assert [lead.lead_id for lead in late] == ["demoted", "late-b", "late-a", "rescored"]
    assert [lead.hours_overdue for lead in late] == [
        pytest.approx(76), pytest.approx(32), pytest.approx(24), pytest.approx(6),
    ]  # fmt: skip
    assert late[2].due_at == now - 24 * hours
    assert (late[0].grade, late[0].scored_at) == ("A", now - 100 * hours)
    assert (late[2].grade, late[2].client) == ("A", "crm")


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_funnel_pages_follow_one_another_to_every_group(history, limit):
    by = ["campaign", "month"]
    every = funnel(history, by)
    seen, cursor = [], None
    while True:
        page, cursor = funnel_page(every, by, limit=limit, cursor=cursor)
        seen += page
        if cursor is None:
            break

    assert seen == every
    assert len(every) == 4


def test_overdue_pages_follow_one_another_in_order(store, score_lead):
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    for i in range(7):  # two leads share each deadline: the lead id breaks the tie
        score_lead(f"late-{i}", now - (48 + i // 2) * timedelta(hours=1), "A", created_at=None)
    every = overdue(store, now=now)
    seen, cursor = [], None
    while True:
        page = overdue_page(store, now=now, limit=3, cursor=cursor)
        assert page.count == 7
        seen += page.leads
        if (cursor := page.next_cursor) is None:
            break

    assert [lead.lead_id for lead in seen] == [lead.lead_id for lead in every]
    assert [lead.lead_id for lead in every][:3] == ["late-6", "late-4", "late-5"]


def test_overdue_filters_in_the_database_like_the_alignment_reports(store, score_lead):
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    score_lead("spring-a", now - 48 * timedelta(hours=1), "A", campaign="spring", created_at=None)
    score_lead("summer-a", now - 48 * timedelta(hours=1), "A", campaign="summer", created_at=None)
    score_lead("early-b", now - 400 * timedelta(hours=1), "B", campaign="spring", created_at=None)

    def late(**keep: Any) -> list[str]:
        page = overdue_page(store, now=now, keep=LeadFilter(**keep))
        return [lead.lead_id for lead in page.leads]

    assert late(campaign="spring") == ["early-b", "spring-a"]
    assert late(grade="A") == ["spring-a", "summer-a"]
    assert late(since=(now - timedelta(days=2)).date()) == ["spring-a", "summer-a"]
    assert late(until=(now - timedelta(days=10)).date()) == ["early-b"]
    assert late(client="someone else") == []


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "WzFd", "WyJhIiwiYiJd"],  # not base64 JSON; [1]; ["a","b"] (a funnel cursor)
)
def test_a_cursor_not_handed_out_for_this_answer_is_refused(store, cursor):
    with pytest.raises(ValueError, match="not a cursor"):
        overdue_page(store, limit=1, cursor=cursor)

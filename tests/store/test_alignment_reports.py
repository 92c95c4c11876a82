"""Stages, the common metrics and the follow-up promise on a history worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from store import OutcomeIn
from store.follow_up import follow_up
from store.frame import training_frame
from store.funnel import funnel
from store.kpis import kpis
from store.lead_facts import LeadFilter, lead_facts, period_of, periods_between
from store.overdue import overdue

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


# lead, arrival (created_at sent), first grade, client, [(event, reason, after arrival)].
# Each lead is first scored an hour after it arrived: its deadline runs from that score.
# a2 is scored again as D later: reports keep its first grade, A. Nothing arrives in April.
HISTORY = [
    ("a1", "2024-03-04T10:00", "A", "crm", [("accepted", None, 5 * HOUR),
                                            ("opportunity", None, 3 * DAY),
                                            ("won", None, 20 * DAY)]),
    ("a2", "2024-03-10T10:00", "A", "crm", [("lost", "No budget", 2 * DAY)]),
    ("b1", "2024-03-20T10:00", "B", "crm", [("accepted", None, 3 * DAY)]),
    ("b2", "2024-05-02T10:00", "B", "other", []),
    ("c1", "2024-05-05T10:00", "C", "crm", [("lost", "Not the right moment", 10 * DAY)]),
    ("b3", "2024-05-31T23:00", "B", "crm", []),
]  # fmt: skip


@pytest.fixture
def history(store, store_spec, score_lead):
    for lead_id, arrived, grade, client, events in HISTORY:
        at = _at(arrived)
        score_lead(lead_id, at + HOUR, grade, client=client, created_at=at.isoformat())
        for event, reason, after in events:
            store.record_outcome(
                lead_id,
                OutcomeIn(outcome=event, reason=reason, occurred_at=at + after),
                client=client,
                idempotency_key=None,
                reason_mapping=store_spec.feedback.reasons,
            )
    score_lead("a2", _at("2024-04-20T10:00"), "D")
    return store


def test_kpis_by_month_count_each_lead_in_the_month_it_arrived(history):
    march, april, may = kpis(history, "month", now=NOW)
    assert (march.period, april.period, may.period) == ("2024-03", "2024-04", "2024-05")
    assert (march.leads, march.share_a_or_b, march.accepted, march.opportunities) == (3, 1.0, 2, 1)
    assert (march.won, march.lost, march.win_rate) == (1, 1, 0.5)
    # from the first score (an hour after arrival) to the first feedback: 4 h, 47 h, 71 h
    assert march.median_days_to_feedback == pytest.approx(47 / 24)
    assert march.follow_up_rate == pytest.approx(2 / 3)


def test_a_month_without_leads_is_zeros_not_a_gap(history):
    april = kpis(history, "month", now=NOW)[1]
    assert (april.leads, april.accepted, april.won, april.lost) == (0, 0, 0, 0)
    assert (april.win_rate, april.follow_up_rate, april.share_a_or_b) == (None, None, None)


def test_kpis_of_may_count_a_missing_follow_up_but_not_a_pending_one(history):
    may = kpis(history, "month", now=NOW)[2]
    assert (may.leads, may.share_a_or_b, may.accepted, may.won, may.lost) == (3, 2 / 3, 0, 0, 1)
    assert (may.win_rate, may.median_days_to_feedback) == (0.0, pytest.approx(10 - 1 / 24))
    assert may.follow_up_rate == 0.0  # b2 missing; b3's deadline has not passed yet


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("quarter", [("2024-Q1", 3), ("2024-Q2", 3)]),
        ("month", [("2024-03", 3), ("2024-04", 0), ("2024-05", 3)]),
    ],
)
def test_kpis_by_period(history, period, expected):
    assert [(row.period, row.leads) for row in kpis(history, period, now=NOW)] == expected


def test_weeks_are_iso_weeks_without_gaps(history):
    rows = kpis(history, "week", now=NOW)
    assert rows[0].period == "2024-W10"
    assert rows[-1].period == "2024-W22"
    assert len(rows) == 13
    assert sum(row.leads for row in rows) == 6


def test_follow_up_by_grade(history):
    rows = {row.group: row for row in follow_up(history, by="grade", now=NOW)}
    assert set(rows) == {"A", "B"}  # C is nurtured: no promise
    a, b = rows["A"], rows["B"]
    assert (a.routed_to_sales, a.on_time, a.late, a.missing, a.pending) == (2, 1, 1, 0, 0)
    assert (b.routed_to_sales, b.on_time, b.late, b.missing, b.pending) == (3, 1, 0, 1, 1)
    assert b.kept_rate == 0.5


def test_follow_up_filters_by_client_and_period(history):
    other = follow_up(history, by="client", keep=LeadFilter(client="other"), now=NOW)
    assert [(row.group, row.missing) for row in other] == [("other", 1)]
    march = follow_up(history, keep=LeadFilter(until=date(2024, 3, 31)), now=NOW)
    assert [(row.group, row.on_time, row.late) for row in march] == [("2024-03", 2, 1)]


def test_reports_use_the_lead_arrival_and_its_first_score(history):
    facts = {lead.lead_id: lead for lead in lead_facts(history)}
    assert facts["a2"].grade == "A"
    assert facts["a2"].arrived_at == _at("2024-03-10T10:00")
    assert facts["a2"].scored_at == _at("2024-03-10T11:00")
    assert facts["a2"].due_at == _at("2024-03-11T11:00")  # 24 h from the first score
    assert facts["c1"].due_at is None  # nurtured: no deadline
    assert facts["a1"].outcome == "won"
    assert facts["a1"].opportunity


def test_the_deadline_runs_from_the_first_score_not_the_creation_time(store, score_lead):
    created = _at("2024-03-01T09:00")
    scored = created + 3 * DAY  # the CRM sent both A leads in three days after creating them
    for lead_id in ("answered", "unanswered"):
        score_lead(lead_id, scored, "A", created_at=created.isoformat())
    store.record_outcome(
        "answered",
        OutcomeIn(outcome="accepted", occurred_at=scored + 20 * HOUR),  # 3 d 20 h after creation
        client="crm",
        idempotency_key=None,
    )
    soon = scored + 10 * HOUR  # 3 d 10 h after creation: unanswered is not late yet

    (row,) = follow_up(store, by="grade", now=soon)
    assert (row.on_time, row.late, row.missing, row.pending) == (1, 0, 0, 1)
    (march,) = kpis(store, "month", now=soon)
    assert march.period == "2024-03"  # counted where it was created
    assert (march.follow_up_rate, march.median_days_to_feedback) == (1.0, pytest.approx(20 / 24))
    assert overdue(store, now=soon) == []
    (late,) = overdue(store, now=scored + 30 * HOUR)
    assert (late.lead_id, late.due_at, late.hours_overdue) == (
        "unanswered", scored + 24 * HOUR, pytest.approx(6),
    )  # fmt: skip


def test_a_lead_without_creation_time_arrives_with_its_first_score(store, score_lead):
    score_lead("x", _at("2024-02-03T04:05"), "A", created_at=None)
    (lead,) = lead_facts(store)
    assert lead.arrived_at == _at("2024-02-03T04:05")


def test_stages_are_stored_but_never_labels(history, store_spec):
    frame = training_frame(history, store_spec).frame
    labelled = dict(zip(frame["lead_id"], frame["status"], strict=True))
    assert labelled == {"a1": "won", "a2": "lost", "c1": "lost"}  # b1 was only accepted


def test_a_stage_after_an_outcome_does_not_reopen_the_lead(history):
    history.record_outcome(
        "a2", OutcomeIn(outcome="accepted", occurred_at=_at("2024-03-20T10:00")),
        client="crm", idempotency_key=None,
    )  # fmt: skip
    facts = {lead.lead_id: lead for lead in lead_facts(history)}
    assert facts["a2"].outcome == "lost"
    assert facts["a2"].accepted


def test_a_stage_keeps_its_reason_text_but_gets_no_loss_reason(store, score_lead):
    score_lead("s", _at("2024-03-01T00:00"))
    receipt = store.record_outcome(
        "s",
        OutcomeIn(outcome="opportunity", reason="No budget"),
        client="crm",
        idempotency_key=None,
    )
    assert (receipt.outcome, receipt.reason, receipt.canonical_reason) == (
        "opportunity",
        "No budget",
        None,
    )


def test_the_database_refuses_an_unknown_feedback_kind(store, score_lead):
    score_lead("s", _at("2024-03-01T00:00"))
    insert = text(
        "INSERT INTO outcomes (lead_id, outcome, occurred_at, recorded_at, client, body_hash) "
        "VALUES ('s', 'maybe', :t, :t, 'crm', 'x')"
    )
    with pytest.raises(IntegrityError, match=r"(?i)check"), store.engine.begin() as conn:
        conn.execute(insert, {"t": _at("2024-03-01T00:00")})


@pytest.mark.parametrize(
    ("day", "period", "key"),
    [(date(2024, 12, 30), "week", "2025-W01"), (date(2024, 11, 3), "quarter", "2024-Q4"),
     (date(2024, 1, 9), "month", "2024-01")],
)  # fmt: skip
def test_period_names(day, period, key):
    assert period_of(day, period) == key


def test_periods_between_crosses_the_year():
    assert periods_between(date(2024, 11, 20), date(2025, 2, 1), "month") == [
        "2024-11", "2024-12", "2025-01", "2025-02",
    ]  # fmt: skip


def test_the_funnel_reads_leads_accepted_opportunity_won(history):
    (row,) = funnel(history, ["campaign"])
    assert (row.leads, row.accepted, row.opportunities, row.won) == (6, 2, 1, 1)

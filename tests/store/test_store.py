"""The lead store on SQLite and PostgreSQL: history, privacy, idempotency, training data."""

import json
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier as BarrierType

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, func, inspect, select, text

from features.errors import DataError
from store import (
    IdempotencyConflict,
    LeadNotFound,
    LeadStore,
    OutcomeIn,
)
from store.frame import training_frame
from store.schema import OutcomeEvent, metadata
from store.store import VERSION_TABLE

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _outcome_count(store: LeadStore) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OutcomeEvent)) or 0


def _database_text(store: LeadStore) -> str:
    """Every value of every table, as one text to search."""
    with store.engine.connect() as conn:
        tables = [conn.execute(table.select()).mappings().all() for table in metadata.sorted_tables]
    return json.dumps([[dict(row) for row in rows] for rows in tables], default=str)


# --- schema --------------------------------------------------------------------------------


def test_upgrade_is_repeatable_and_migrations_match_the_models(store):
    store.upgrade()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = compare_metadata(context, metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"leads", "scores", "outcomes", "leadgrade_store_version"} <= tables


def _constraint_names(engine: Engine) -> dict[str, set[str | None]]:
    inspector = inspect(engine)
    found = {}
    for table in metadata.tables:
        names = {inspector.get_pk_constraint(table)["name"]}
        names |= {c["name"] for c in inspector.get_check_constraints(table)}
        names |= {c["name"] for c in inspector.get_unique_constraints(table)}
        names |= {c["name"] for c in inspector.get_foreign_keys(table)}
        names |= {i["name"] for i in inspector.get_indexes(table) if not i.get("unique")}
        found[table] = names
    return found


def test_migrations_name_constraints_as_the_models_do(store, tmp_path):
    reference = create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    metadata.create_all(reference)

    assert _constraint_names(store.engine) == _constraint_names(reference)
    assert "ck_scores_grade" in _constraint_names(reference)["scores"]
    reference.dispose()


def test_threads_starting_together_migrate_once(store_url):
    stores = [LeadStore(store_url) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def upgrade(store: LeadStore) -> None:
        start.wait()
        store.upgrade()

    try:
        with ThreadPoolExecutor(max_workers=len(stores)) as pool:
            list(pool.map(upgrade, stores))
        with stores[0].engine.connect() as conn:
            assert "outcomes" in inspect(conn).get_table_names()
    finally:
        for store in stores:
            store.dispose()


def _upgrade_when_all_ready(url: str, start: BarrierType) -> None:
    store = LeadStore(url)
    try:
        start.wait()
        store.upgrade()
    finally:
        store.dispose()


def test_processes_starting_together_migrate_once(store_url):
    # Separate processes, as replicas start in a real deployment. Forked, so that the
    # children start at once instead of importing the store anew (each opens its own engine).
    context = multiprocessing.get_context("fork")
    start = context.Barrier(4, timeout=60)
    processes = [
        context.Process(target=_upgrade_when_all_ready, args=(store_url, start)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    store = LeadStore(store_url)
    with store.engine.connect() as conn:
        assert {"leads", "scores", "outcomes"} <= set(inspect(conn).get_table_names())
        versions = conn.scalar(text(f"SELECT count(*) FROM {VERSION_TABLE}"))
    store.dispose()
    assert versions == 1


def test_store_rejects_an_unsupported_database():
    with pytest.raises(ValueError, match="supports SQLite and PostgreSQL"):
        LeadStore("mysql://localhost/leads")


# --- scores --------------------------------------------------------------------------------


def test_scoring_a_lead_again_appends_to_its_history(store, store_spec, score_lead):
    score_lead("L1", T0, "C", employees=40)
    score_lead("L1", T0 + DAY, "A", employees=900)

    history = store.lead_history("L1")

    assert history.first_scored_at == T0
    assert [s.grade for s in history.scores] == ["A", "C"]
    assert [s.fields["employees"] for s in history.scores] == [900, 40]
    assert history.scores[0].scored_at == T0 + DAY
    assert history.scores[0].reasons == [
        {"field": "employees", "value": 250, "points": 4.0, "sentence": "Mid-size."}
    ]
    assert history.scores[0].model.version == "3"
    assert history.scores[0].route.follow_up_within_hours == 24


def test_a_batch_is_stored_in_order_with_one_timestamp(store, store_spec, demo_lead, score_result):
    leads = [demo_lead("L1", campaign="a"), demo_lead("L2"), demo_lead("L1", campaign="b")]
    results = [score_result("L1", "D"), score_result("L2", "A"), score_result("L1", "B")]

    store.record_scores(store_spec, leads, results, client="crm", scored_at=T0)

    l1 = store.lead_history("L1")
    assert [s.fields["campaign"] for s in l1.scores] == ["b", "a"]  # same time: last stored first
    assert l1.scores[0].scored_at == l1.scores[1].scored_at == T0
    assert store.lead_history("L2").scores[0].grade == "A"


def test_concurrent_batches_over_the_same_leads_all_land(
    store, store_spec, demo_lead, score_result
):
    lead_ids = [f"L{i}" for i in range(10)]
    start = threading.Barrier(20)

    def score(n: int) -> None:
        ids = lead_ids if n % 2 else lead_ids[::-1]  # opposite orders: no deadlock either
        leads, results = [demo_lead(i) for i in ids], [score_result(i) for i in ids]
        start.wait()
        store.record_scores(store_spec, leads, results, client="crm", scored_at=T0 + n * DAY)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(score, range(20)))

    for lead_id in lead_ids:
        history = store.lead_history(lead_id)
        assert len(history.scores) == 20
        assert history.first_scored_at == T0
        assert history.scores[0].scored_at == T0 + 19 * DAY


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"grade": "E"}, "score result 1: grade"),
        ({"score": 140.0}, "score result 1: score"),
        ({"lead_id": "other"}, "score result 1 is for lead 'other' but lead 1 is 'L2'"),
    ],
)
def test_an_invalid_score_result_stores_nothing_of_the_batch(
    store, store_spec, demo_lead, score_result, result, message
):
    leads = [demo_lead("L1"), demo_lead("L2")]
    results = [score_result("L1"), score_result("L2") | result]

    with pytest.raises(DataError, match=message):
        store.record_scores(store_spec, leads, results, client="crm")
    with pytest.raises(LeadNotFound):
        store.lead_history("L1")


def test_no_raw_personal_data_reaches_the_database(store, store_spec, demo_lead, score_result):
    email = "Jane.Doe@Northwind.com"
    lead = demo_lead("L1", email=email, owner_notes=f"asked to write to {email}")
    leaked = {"field": "email", "value": email, "sentence": f"{email} is a company address"}
    result = score_result("L1", reasons=[leaked])

    store.record_scores(store_spec, [lead], [result], client="crm")

    stored = _database_text(store)
    for raw in (email, email.lower(), "Jane Doe", "+49 30 1234567"):
        assert raw not in stored
    fields = store.lead_history("L1").scores[0].fields
    assert fields["email"] == "northwind.com"
    assert "full_name" not in fields
    assert "phone" not in fields


# --- outcomes and idempotency ----------------------------------------------------------------


def test_the_same_key_twice_stores_one_event_and_returns_the_first_receipt(store, score_lead):
    score_lead("L1", T0)
    event = OutcomeIn(outcome="lost", reason="No budget", rating=2)

    first = store.record_outcome("L1", event, client="crm", idempotency_key="k1")
    again = store.record_outcome("L1", event, client="crm", idempotency_key="k1")

    assert not first.replayed
    assert again.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert _outcome_count(store) == 1


def test_the_same_key_with_another_body_is_a_conflict(store, score_lead):
    score_lead("L1", T0)
    store.record_outcome("L1", OutcomeIn(outcome="won"), client="crm", idempotency_key="k1")

    with pytest.raises(IdempotencyConflict, match="'k1' was already used") as caught:
        store.record_outcome("L1", OutcomeIn(outcome="lost"), client="crm", idempotency_key="k1")
    assert caught.value.code == "idempotency_conflict"
    assert _outcome_count(store) == 1


def test_the_same_key_for_another_lead_is_a_conflict(store, score_lead):
    score_lead("L1", T0)
    score_lead("L2", T0)
    store.record_outcome("L1", OutcomeIn(outcome="won"), client="crm", idempotency_key="k1")

    with pytest.raises(IdempotencyConflict):
        store.record_outcome("L2", OutcomeIn(outcome="won"), client="crm", idempotency_key="k1")


def test_keys_are_scoped_per_client(store, score_lead):
    score_lead("L1", T0)
    event = OutcomeIn(outcome="won")

    a = store.record_outcome("L1", event, client="crm-a", idempotency_key="k1")
    b = store.record_outcome("L1", event, client="crm-b", idempotency_key="k1")

    assert a.event_id != b.event_id
    assert not b.replayed


def test_events_without_a_key_are_all_stored(store, score_lead):
    score_lead("L1", T0)
    event = OutcomeIn(outcome="lost", reason="No budget")

    receipts = [store.record_outcome("L1", event, client="crm", idempotency_key=None) for _ in "ab"]

    assert receipts[0].event_id != receipts[1].event_id
    assert _outcome_count(store) == 2


def test_concurrent_duplicates_store_exactly_one_event(store, score_lead):
    score_lead("L1", T0)
    event = OutcomeIn(outcome="lost", reason="Went with a competitor", note="chose X")
    start = threading.Barrier(50)

    def post(_: int):
        start.wait()  # all 50 at once, to make the race as likely as it gets
        return store.record_outcome("L1", event, client="crm", idempotency_key="retry-storm")

    with ThreadPoolExecutor(max_workers=50) as pool:
        receipts = list(pool.map(post, range(50)))

    assert _outcome_count(store) == 1
    assert len({r.event_id for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1
    assert len({r.model_dump_json(exclude={"replayed"}) for r in receipts}) == 1


def test_an_outcome_for_a_lead_never_scored_is_rejected(store):
    with pytest.raises(LeadNotFound, match="'nope' was never scored, so an outcome cannot") as e:
        store.record_outcome("nope", OutcomeIn(outcome="won"), client="crm", idempotency_key="k")
    assert e.value.code == "lead_not_found"
    assert _outcome_count(store) == 0


@pytest.mark.parametrize(
    ("outcome", "reason", "canonical"),
    [
        ("lost", "Not the right moment", "bad_timing"),  # the spec's picklist
        ("lost", "bad_timing", "bad_timing"),  # a canonical name
        ("disqualified", "Duplicate / invalid", "invalid"),
        ("lost", "They build it in-house", "other"),  # unmapped
        ("lost", None, None),
        ("won", "Great demo", None),  # reasons explain losses only
    ],
)
def test_reasons_are_mapped_and_the_raw_text_kept(
    store, store_spec, score_lead, outcome, reason, canonical
):
    score_lead("L1", T0)
    event = OutcomeIn(outcome=outcome, reason=reason)

    receipt = store.record_outcome(
        "L1", event, client="crm", idempotency_key=None, reason_mapping=store_spec.feedback.reasons
    )

    assert receipt.reason == reason
    assert receipt.canonical_reason == canonical
    assert store.lead_history("L1").outcomes[0].canonical_reason == canonical


def test_history_lists_outcomes_newest_first(store, score_lead):
    score_lead("L1", T0)
    for outcome, day in [("lost", 3), ("won", 9), ("disqualified", 1)]:
        event = OutcomeIn(outcome=outcome, occurred_at=T0 + day * DAY)
        store.record_outcome("L1", event, client="crm", idempotency_key=None)

    outcomes = store.lead_history("L1").outcomes

    assert [o.outcome for o in outcomes] == ["won", "lost", "disqualified"]
    assert outcomes[0].occurred_at == T0 + 9 * DAY
    assert outcomes[0].reported_by == "crm"


def test_history_of_an_unknown_lead_is_not_found(store):
    with pytest.raises(LeadNotFound, match="never scored, so it has no history"):
        store.lead_history("nope")


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "maybe"},
        {"outcome": "won", "rating": 6},
        {"outcome": "won", "note": "x" * 2001},
        {"outcome": "won", "owner": "me"},
    ],
)
def test_outcome_in_rejects_bad_bodies(body):
    with pytest.raises(ValidationError):
        OutcomeIn.model_validate(body)


# --- training data -------------------------------------------------------------------------


def test_training_uses_the_lead_as_first_scored_not_as_edited_later(store, store_spec, score_lead):
    score_lead("L1", T0, "C", employees=12, job_title="Intern")
    score_lead("L1", T0 + 5 * DAY, "A", employees=5000, job_title="CEO")
    store.record_outcome("L1", OutcomeIn(outcome="won"), client="crm", idempotency_key=None)

    frame = training_frame(store, store_spec).frame

    row = frame.set_index("lead_id").loc["L1"]
    assert row["employees"] == 12
    assert row["job_title"] == "Intern"
    assert row["created_at"] == pd.Timestamp(T0)
    assert row["status"] == "won"


def test_training_keeps_the_creation_time_the_crm_sent(store, store_spec, score_lead):
    sent = (T0 - 3 * DAY).isoformat()
    score_lead("L1", T0, "B", created_at=sent)
    store.record_outcome("L1", OutcomeIn(outcome="lost"), client="crm", idempotency_key=None)

    row = training_frame(store, store_spec).frame.set_index("lead_id").loc["L1"]
    assert row["created_at"] == pd.Timestamp(T0 - 3 * DAY)


def test_training_labels_outcomes_and_leaves_open_leads_out(store, store_spec, score_lead):
    now = datetime.now(UTC)
    for lead_id, age in [("won", 30), ("lost", 30), ("dq", 30), ("young", 10), ("stale", 200)]:
        score_lead(lead_id, now - age * DAY)
    mapping = store_spec.feedback.reasons
    for lead_id, outcome, reason, rating in [
        ("won", "won", None, 5),
        ("lost", "lost", "No budget", 2),
        ("dq", "disqualified", "Duplicate / invalid", None),
    ]:
        event = OutcomeIn(outcome=outcome, reason=reason, rating=rating)
        store.record_outcome(
            lead_id, event, client="crm", idempotency_key=None, reason_mapping=mapping
        )

    data = training_frame(store, store_spec, maturity_days=90)

    assert data.counts == {"won": 1, "lost": 2, "open": 1, "stale_open": 1}
    frame = data.frame.set_index("lead_id")
    assert sorted(frame.index) == ["dq", "lost", "won"]
    assert frame["status"].to_dict() == {"dq": "disqualified", "lost": "lost", "won": "won"}
    assert frame.loc["lost", "loss_reason"] == "no_budget"
    assert frame.loc["dq", "loss_reason"] == "invalid"
    assert frame.loc["won", "sales_rating"] == 5
    assert "full_name" not in frame.columns
    assert set(store_spec.feature_fields) <= set(frame.columns)


def test_training_as_of_ignores_what_was_not_known_yet(store, store_spec, score_lead):
    score_lead("old", T0)
    score_lead("new", T0 + 60 * DAY)
    store.record_outcome("old", OutcomeIn(outcome="won"), client="crm", idempotency_key=None)

    data = training_frame(store, store_spec, as_of=T0 + 30 * DAY, maturity_days=90)

    # The outcome was recorded today, long after as_of; "new" did not exist yet.
    assert data.counts == {"won": 0, "lost": 0, "open": 1, "stale_open": 0}
    assert data.frame.empty

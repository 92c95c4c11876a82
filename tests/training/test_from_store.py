"""Retraining from the lead store: leads as first scored, their latest outcome, an export too."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from features.errors import DataError
from features.spec import LeadSpec, demo_spec_text
from features.values import parse_text
from leadgrade.cli import app
from models.scorer import LeadScorer
from store import LeadStore, OutcomeIn
from store.frame import training_frame
from tests.helpers import tiny_training
from training.demo_data import generate_leads
from training.from_store import load_training_set, train_from_store
from training.pipeline import train_scorer
from training.settings import TrainSettings
from training.store_data import combine, read_store

MODEL = {"name": "leadgrade", "version": "1", "run_id": None}
NOW = datetime.now(UTC)
DAY = timedelta(days=1)
# A lead edited in the CRM after it was scored: promoted, bigger, and now "asked for a demo".
EDITS = {"job_title": "Chief Executive Officer", "employees": 5000, "demo_requested": True}


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(1000, seed=11)


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


def _known_at_scoring(leads: pd.DataFrame, spec: LeadSpec) -> list[dict[str, Any]]:
    """What the CRM sends when a lead arrives: id, creation time, features, dropped fields."""
    known = [spec.lead.id, spec.lead.created_at, *spec.feature_fields, *spec.features.drop]
    frame = leads[known].astype(object)
    return frame.where(frame.notna(), None).to_dict(orient="records")


def fill_store(
    store: LeadStore, scorer: LeadScorer, leads: pd.DataFrame, *, outcomes: bool = True
) -> None:
    """Score the leads month by month (as the service would) and record what sales said."""
    spec = scorer.spec
    created = pd.to_datetime(leads["created_at"], utc=True)
    for _, month in leads.groupby(created.dt.strftime("%Y-%m")):
        records = _known_at_scoring(month, spec)
        results = [{**r, "model": MODEL} for r in scorer.score_records(records)]
        at = created[month.index].max().to_pydatetime()
        store.record_scores(spec, records, results, client="crm", scored_at=at)
    if outcomes:
        for row in leads[leads["status"] != "open"].itertuples():
            event = OutcomeIn(
                outcome=row.status,
                reason=None if pd.isna(row.loss_reason) else row.loss_reason,
                occurred_at=created[row.Index].to_pydatetime() + 20 * DAY,
            )
            mapping = spec.feedback.reasons
            store.record_outcome(
                row.lead_id, event, client="crm", idempotency_key=None, reason_mapping=mapping
            )


def _texts(values: pd.Series) -> list[str | None]:
    return [parse_text(v) for v in values]


# --- training from the store alone, on SQLite and PostgreSQL --------------------------------


def test_training_from_the_store_registers_a_model_and_records_where_leads_came_from(
    store, store_url, scorer, leads, tmp_path
):
    fill_store(store, scorer, leads)
    settings = TrainSettings(home=tmp_path / "lg", database_url=store_url)
    lines: list[str] = []

    registered = train_from_store(None, None, settings=settings, progress=lines.append)

    run = MlflowClient(tracking_uri=settings.mlflow_uri).get_run(registered.run_id)
    params, metrics = run.data.params, run.data.metrics
    assert params["data_source"] == "store"
    assert params["leads_from_store"] == str(int((leads["status"] != "open").sum()))
    assert params["leads_from_file"] == "0"
    assert params["spec_source"] == "the demo spec (no champion yet)"
    open_leads = int(params["store_open"]) + int(params["store_stale_open"])
    assert open_leads == int((leads["status"] == "open").sum())
    assert metrics["loss_reason_macro_f1"] > metrics["loss_reason_majority_macro_f1"]
    assert any(line.startswith("lead store: ") for line in lines)
    assert f"training leads: {params['leads_from_store']}, all from the lead store" in lines


def test_a_store_run_logs_the_loss_reason_report_and_warns_of_stale_leads(
    store, store_url, scorer, leads, tmp_path
):
    fill_store(store, scorer, leads)
    settings = TrainSettings(home=tmp_path / "lg", database_url=store_url)

    registered = train_from_store(None, None, settings=settings)

    client = MlflowClient(tracking_uri=settings.mlflow_uri)
    report = client.list_artifacts(registered.run_id, "loss_reasons")
    assert [a.path for a in report] == ["loss_reasons/report.json"]
    stale = client.get_run(registered.run_id).data.params["store_stale_open"]
    assert int(stale) > 0
    card = client.download_artifacts(registered.run_id, "model_card.json", str(tmp_path))
    warnings = pd.read_json(card, typ="series")["warnings"]
    assert any(w.startswith(f"{stale} lead(s) in the lead store") for w in warnings)


# --- point in time: the store's copy of a lead wins over the export's -----------------------


def test_a_lead_edited_in_the_export_after_it_was_scored_is_trained_on_as_scored(
    store, store_url, scorer, leads, tmp_path
):
    # The store knows every lead as scored; outcomes and the edits come with the export.
    fill_store(store, scorer, leads, outcomes=False)
    closed = leads[leads["status"] != "open"].sort_values("created_at")
    edited = closed.index[-150:]
    export = leads.copy()
    for column, value in EDITS.items():
        export[column] = export[column].astype(object)
        export.loc[edited, column] = value
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)

    combined = load_training_set(store_url, scorer.spec, path, 90, lambda _: None)
    result = train_scorer(combined.frame, scorer.spec)

    ids = leads.loc[edited, "lead_id"]
    as_scored = leads.set_index("lead_id").loc[ids]
    used = combined.frame.set_index("lead_id").loc[ids]
    for column in EDITS:
        assert _texts(used[column]) == _texts(as_scored[column])
    holdout = result.holdout.set_index("lead_id")
    in_holdout = [i for i in ids if i in holdout.index]
    assert len(in_holdout) > 50
    assert not (holdout.loc[in_holdout, "job_title"] == EDITS["job_title"]).any()
    assert combined.counts == {
        "from_store": len(closed),
        "from_file": 0,
        "in_both": len(closed),
        "in_both_with_file_outcome": len(closed),
    }


def _export_row(demo_lead, lead_id: str, status: str, **fields: Any) -> dict[str, Any]:
    feedback = {"status": status, "loss_reason": None, "sales_rating": None}
    return {**demo_lead(lead_id, **fields), **feedback}


def test_the_store_decides_fields_and_outcome_and_open_leads_are_not_losses(
    store, store_url, store_spec, score_lead, demo_lead
):
    for lead_id, age in [("L1", 30), ("L2", 30), ("L4", 200), ("L5", 30), ("L6", 10)]:
        score_lead(lead_id, NOW - age * DAY, job_title="Intern")
    for lead_id, outcome in [("L1", "lost"), ("L5", "won")]:
        event = OutcomeIn(outcome=outcome, reason="No budget" if outcome == "lost" else None)
        store.record_outcome(lead_id, event, client="crm", idempotency_key=None)
    export = pd.DataFrame(
        [
            _export_row(demo_lead, "L1", "won", job_title="CEO"),  # the store says lost
            _export_row(demo_lead, "L2", "won", job_title="CEO"),  # the store has no outcome
            _export_row(demo_lead, "L3", "lost", job_title="CEO"),  # never scored
            _export_row(demo_lead, "L6", "open", job_title="CEO"),  # open in both
        ]
    )

    stored = read_store(store_url, store_spec, maturity_days=90, include_open=True)
    combined = combine(stored, export, store_spec)

    frame = combined.frame.set_index("lead_id")
    assert sorted(frame.index) == ["L1", "L2", "L3", "L5"]
    assert frame["status"].to_dict() == {"L1": "lost", "L2": "won", "L3": "lost", "L5": "won"}
    titles = {"L1": "Intern", "L2": "Intern", "L3": "CEO", "L5": "Intern"}
    assert frame["job_title"].to_dict() == titles
    assert combined.counts == {
        "from_store": 3,
        "from_file": 1,
        "in_both": 2,
        "in_both_with_file_outcome": 1,
    }
    assert (stored.open, stored.stale_open) == (2, 1)
    lines = combined.lines(90)
    assert "2 still open (first scored within 90 days), 1 open for longer" in lines[0]
    assert lines[1].startswith("warning: 1 lead(s) in the lead store have had no outcome for more")
    assert lines[1].endswith("than 90 days: reported, not used as losses")


def test_the_store_alone_gives_only_leads_with_an_outcome(store, store_url, store_spec, score_lead):
    score_lead("won", NOW - 30 * DAY)
    score_lead("stale", NOW - 200 * DAY)
    store.record_outcome("won", OutcomeIn(outcome="won"), client="crm", idempotency_key=None)

    combined = combine(read_store(store_url, store_spec, maturity_days=90), None, store_spec)

    assert combined.frame["lead_id"].tolist() == ["won"]
    assert (combined.store.open, combined.store.stale_open) == (0, 1)


def test_the_store_writes_the_outcome_date_when_the_spec_has_one(store, score_lead):
    spec = LeadSpec.parse(
        demo_spec_text().replace('column = "status"', 'column = "status"\ndate = "closed_at"')
    )
    score_lead("L1", NOW - 30 * DAY)
    closed = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    event = OutcomeIn(outcome="won", occurred_at=closed)
    store.record_outcome("L1", event, client="crm", idempotency_key=None)

    frame = training_frame(store, spec).frame

    assert frame.loc[0, "closed_at"] == pd.Timestamp(closed)


def test_an_unmigrated_store_is_a_clear_error(tmp_path, store_spec):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(
        DataError, match=r"cannot read the lead store at sqlite:///.*leadgrade db upgrade"
    ):
        read_store(url, store_spec, maturity_days=90)


def test_a_store_without_outcomes_is_a_clear_error(store, store_url, store_spec, score_lead):
    score_lead("L1", NOW - 10 * DAY)
    with pytest.raises(DataError, match=r"has no lead with an outcome yet: .* or add --data"):
        load_training_set(store_url, store_spec, None, 90, lambda _: None)


# --- the command: leadgrade train --from-store --data ---------------------------------------


def test_the_command_trains_on_store_and_export_with_the_champions_spec(
    scorer, leads, tmp_path, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    store = LeadStore(url)
    store.upgrade()
    fill_store(store, scorer, leads.iloc[:700])
    store.dispose()
    path = tmp_path / "export.csv"
    leads.to_csv(path, index=False)
    monkeypatch.setenv("LEADGRADE_HOME", str(tmp_path / "lg"))
    monkeypatch.setenv("LEADGRADE_DATABASE_URL", url)
    runner = CliRunner()
    for args in (["train", "--data", str(path)], ["promote"]):
        assert runner.invoke(app, args).exit_code == 0

    result = runner.invoke(app, ["train", "--from-store", "--data", str(path)])

    assert result.exit_code == 0, result.output
    assert "spec: the spec of champion leadgrade version 1" in result.output
    closed = int((leads.iloc[:700]["status"] != "open").sum())
    assert f"training leads: {closed} from the lead store, 300 from the file only" in result.output
    assert "registered leadgrade version 2" in result.output

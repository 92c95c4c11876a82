"""The store commands: db upgrade, report funnel, demo-feedback against a live API."""

import json
import re

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.pool import NullPool

from features.spec import demo_spec
from leadgrade.demo_feedback import demo_records, lead_payload, outcome_payload
from serving.app import create_app
from store.schema import OutcomeEvent, Score
from tests.serving.support import live_server, write_keys
from training.demo_data import generate_leads

KEY = "demo-key-0123456789abcdef"


@pytest.fixture
def demo_csv(tmp_path):
    leads = generate_leads(120, seed=5)
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    return path, leads


def count(store_url: str, table) -> int:
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(table)) or 0
    engine.dispose()
    return n


def test_db_upgrade_creates_the_tables(run_cli, store_url):
    result = run_cli("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    engine = create_engine(store_url, poolclass=NullPool)
    assert {"leads", "scores", "outcomes"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_demo_feedback_replays_outcomes_once_and_the_funnel_shows_them(
    run_cli, serve_settings, store_url, demo_csv
):
    path, leads = demo_csv
    closed = int(leads["status"].isin(["won", "lost", "disqualified"]).sum())

    with live_server(create_app(serve_settings())) as url:
        first = run_cli("demo-feedback", "--url", url, "--data", str(path))
        again = run_cli("demo-feedback", "--url", url, "--data", str(path))

    assert first.exit_code == 0, first.output
    stored = re.search(
        r"120 scored now, 0 already in the store; stages and outcomes: (\d+) stored", first.output
    )
    assert stored, first.output
    events = int(stored[1])
    assert events > closed  # every closed lead's outcome, and stages besides
    assert again.exit_code == 0, again.output
    assert (
        f"0 scored now, 120 already in the store; stages and outcomes: 0 stored, {events}"
        in again.output
    )
    assert (count(store_url, Score), count(store_url, OutcomeEvent)) == (120, events)
    outcomes = select(func.count()).where(OutcomeEvent.outcome.in_(["won", "lost", "disqualified"]))
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.scalar(outcomes) == closed
    engine.dispose()

    report = run_cli("report", "funnel", "--by", "campaign")
    assert report.exit_code == 0, report.output
    assert "Funnel by campaign" in report.output
    campaign = leads["campaign"].dropna().iloc[0]
    row = next(line for line in report.output.splitlines() if campaign in line)
    assert re.search(r"(no_need|wrong_target|not_decision_maker|bad_timing) \d+", report.output)
    assert str(int((leads["campaign"] == campaign).sum())) in row


def test_demo_feedback_sends_the_api_key(run_cli, serve_settings, demo_csv, tmp_path):
    path, _ = demo_csv
    keys = write_keys(tmp_path / "keys.toml", {"demo": (KEY, ["crm"])})

    with live_server(create_app(serve_settings(keys_file=keys))) as url:
        refused = run_cli("demo-feedback", "--url", url, "--data", str(path), "--limit", "5")
        accepted = run_cli(
            "demo-feedback", "--url", url, "--data", str(path), "--limit", "5", "--api-key", KEY
        )

    assert refused.exit_code == 2
    assert "HTTP 401" in refused.output
    assert accepted.exit_code == 0, accepted.output


def test_report_kpis_prints_the_months_and_writes_csv(run_cli, serve_settings, demo_csv):
    path, leads = demo_csv
    with live_server(create_app(serve_settings())) as url:
        assert run_cli("demo-feedback", "--url", url, "--data", str(path)).exit_code == 0

    table = run_cli("report", "kpis", "--period", "quarter")
    assert table.exit_code == 0, table.output
    assert "Common metrics by quarter" in table.output
    assert "2025-Q2" in table.output
    as_csv = run_cli("report", "kpis", "--csv", "--since", "2025-06-01", "--until", "2025-06-30")
    assert as_csv.exit_code == 0, as_csv.output
    header, june = as_csv.output.splitlines()[:2]
    assert header.startswith("period,leads,share_a_or_b,accepted")
    created = leads["created_at"].astype(str)
    assert june.startswith(f"2025-06,{int(created.str.startswith('2025-06').sum())},")


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--period", "year"], "--period"), (["--since", "June"], "--since")],
)
def test_report_kpis_rejects_bad_options_in_one_line(run_cli, args, option):
    result = run_cli("report", "kpis", *args)
    assert result.exit_code == 2
    assert option in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("by", ["region", "grade,grade"])
def test_report_funnel_rejects_a_bad_dimension(run_cli, by):
    result = run_cli("report", "funnel", "--by", by)

    assert result.exit_code == 2
    assert "--by" in result.output


def test_demo_records_read_csv_and_parquet_alike_as_api_payloads(tmp_path):
    spec = demo_spec()
    leads = generate_leads(50, seed=9)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    leads.to_parquet(tmp_path / "leads.parquet")

    csv, parquet = (demo_records(tmp_path / f"leads.{ext}", spec, 20) for ext in ("csv", "parquet"))

    assert len(csv) == len(parquet) == 20
    for a, b in zip(csv, parquet, strict=True):
        assert lead_payload(a, spec) | {"created_at": None} == lead_payload(b, spec) | {
            "created_at": None
        }
        assert outcome_payload(a, spec) == outcome_payload(b, spec)
    payload = lead_payload(parquet[0], spec)
    json.dumps(payload)  # what httpx sends
    assert spec.outcome.column not in payload
    assert not set(spec.feedback_fields) & set(payload)

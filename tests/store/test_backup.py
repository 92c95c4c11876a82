"""Backup, restore and copy of the lead store, through the leadgrade command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadgrade.cli import app
from store import LeadStore, OutcomeIn
from store.schema import Lead, OutcomeEvent, Score

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _counts(store: LeadStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.__tablename__: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in (Lead, Score, OutcomeEvent)
        }


@pytest.fixture
def filled(tmp_path, store_spec, demo_lead, score_result, monkeypatch):
    """A SQLite store with 3 leads, 4 scores and 1 outcome, named by LEADGRADE_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'live' / 'leads.db'}"
    store = LeadStore(url)
    store.upgrade()
    for lead_id in ("L1", "L2", "L3", "L1"):
        lead, result = demo_lead(lead_id), score_result(lead_id)
        store.record_scores(store_spec, [lead], [result], client="crm", scored_at=T0)
    store.record_outcome("L2", OutcomeIn(outcome="won"), client="crm", idempotency_key="k1")
    monkeypatch.setenv("LEADGRADE_DATABASE_URL", url)
    yield store
    store.dispose()


def _run(*args: str):
    return CliRunner().invoke(app, ["db", *args])


def test_a_backup_of_a_live_store_restores_every_row(filled, tmp_path):
    backup = tmp_path / "backup.db"
    # The store stays open (as under a running service) while it is backed up.
    assert _run("backup", "--to", str(backup)).exit_code == 0
    copy = LeadStore(f"sqlite:///{backup}")
    assert _counts(copy) == {"leads": 3, "scores": 4, "outcomes": 1}
    copy.dispose()

    filled.dispose()
    live = tmp_path / "live" / "leads.db"
    live.unlink()
    result = _run("restore", "--from", str(backup))
    assert result.exit_code == 0, result.output
    restored = LeadStore(f"sqlite:///{live}")
    assert _counts(restored) == {"leads": 3, "scores": 4, "outcomes": 1}
    restored.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backup", "--to", "{existing}"], "exists already"),
        (["restore", "--from", "{missing}"], "no backup at"),
        (["restore", "--from", "{existing}"], "not a database"),
    ],
)
def test_backup_and_restore_fail_with_one_line(filled, tmp_path, args, message):
    existing = tmp_path / "other.txt"
    existing.write_text("not a database")
    paths = {"existing": existing, "missing": tmp_path / "nothing.db"}
    result = _run(*[a.format(**paths) for a in args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_copy_to_postgresql_moves_every_row_and_the_ids_go_on(
    filled, store_url, store_spec, demo_lead, score_result
):
    result = _run("copy", "--to", store_url)
    assert result.exit_code == 0, result.output
    assert "counts match" in result.output

    target = LeadStore(store_url)
    assert _counts(target) == {"leads": 3, "scores": 4, "outcomes": 1}
    # New rows get new ids: the sequences were moved past the copied ones.
    target.record_scores(store_spec, [demo_lead("L9")], [score_result("L9")], client="crm")
    assert _counts(target)["scores"] == 5
    again = _run("copy", "--to", store_url)
    assert again.exit_code == 2
    assert "already has rows" in again.output
    target.dispose()

"""Erasure: a lead's personal data leaves the store on request or after the retention period."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from store.erasure import ERASED_PREFIX
from store.schema import Erasure, Lead, OutcomeEvent, PersonalWord, Score
from tests.serving.support import LEAD, bearer, error, write_keys

CANARY_ID = "CANARY-7781-lead"
CANARY = {
    **LEAD,
    "lead_id": CANARY_ID,
    "email": "zed.qanary@example.org",
    "full_name": "Zed Qanary",
    "phone": "+44 20 7946 0958",
    "job_title": "Head of Growth",
    "company": "Initrode",
}
NOTE = {"outcome": "lost", "reason": "Zed Qanary had no budget", "note": "Zed Qanary moved on"}
KEYS = {
    "admin": ("admin-key-0123456789abcdef", ["admin"]),
    "crm": ("crm-key-0123456789abc", ["crm"]),
}


def _counts(store_url: str) -> dict[str, int]:
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        counts = {
            t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Lead, Score, OutcomeEvent, Erasure, PersonalWord)
        }
    engine.dispose()
    return counts


def test_an_erased_lead_is_gone_under_its_id_but_still_counts(api, store_url):
    assert api.post("/v1/leads/score?explain=true", json=CANARY).status_code == 200
    assert api.post(f"/v1/leads/{CANARY_ID}/outcome", json=NOTE).status_code == 201
    funnel = api.get("/v1/reports/funnel").json()
    assert _counts(store_url)["personal_words"] > 0  # digests of the name and phone words

    r = api.delete(f"/v1/leads/{CANARY_ID}")

    assert r.status_code == 200, r.text
    assert (r.json()["scores"], r.json()["outcomes"]) == (1, 1)
    assert api.get(f"/v1/leads/{CANARY_ID}").status_code == 404
    assert api.get("/v1/reports/funnel").json() == funnel  # anonymous rows still count
    assert _counts(store_url) == {
        "leads": 1, "scores": 1, "outcomes": 1, "erasures": 1, "personal_words": 0,
    }  # fmt: skip


def test_after_erasure_no_value_of_the_lead_is_left_in_the_store_file_or_its_log(
    make_client, tmp_path
):
    path = tmp_path / "erase" / "leads.db"
    api = make_client(database_url=f"sqlite:///{path}")
    api.post("/v1/leads/score?explain=true", json=CANARY)
    api.post(f"/v1/leads/{CANARY_ID}/outcome", json=NOTE, headers={"Idempotency-Key": "k-1"})

    assert api.delete(f"/v1/leads/{CANARY_ID}").status_code == 200

    found = {
        f.name: [v for v in (CANARY_ID, "Qanary", "qanary", "7946") if v.encode() in f.read_bytes()]
        for f in Path(path.parent).iterdir()
        if f.is_file()
    }
    assert not any(found.values()), found
    assert (path.parent / "leads.db-wal").stat().st_size == 0  # checkpointed


def test_erasing_a_lead_never_scored_is_a_404(api):
    r = api.delete("/v1/leads/never-scored")

    assert r.status_code == 404
    assert error(r)["code"] == "lead_not_found"


@pytest.mark.parametrize(("erase_roles", "status"), [(["admin"], 403), (["admin", "crm"], 200)])
def test_crm_may_erase_only_when_configured(make_client, tmp_path, erase_roles, status):
    keys = write_keys(tmp_path / "keys.toml", KEYS)
    api = make_client(keys_file=keys, erase_roles=erase_roles)
    crm = bearer(KEYS["crm"][0])
    api.post("/v1/leads/score", json=CANARY, headers=crm)

    assert api.delete(f"/v1/leads/{CANARY_ID}", headers=crm).status_code == status


def test_retention_erases_only_leads_older_than_the_setting(store, score_lead):
    now = datetime.now(UTC)
    score_lead("old", now - timedelta(days=40))
    score_lead("new", now - timedelta(days=5))

    erased = store.erase_older_than(30, requested_by="retention")

    assert erased == 1
    assert store.erase_older_than(30, requested_by="retention") == 0
    assert store.lead_history("new").lead_id == "new"
    with store.engine.connect() as conn:
        ids = set(conn.execute(select(Lead.lead_id)).scalars())
    assert "old" not in ids
    assert len([i for i in ids if i.startswith(ERASED_PREFIX)]) == 1


def test_the_erase_command_erases_and_fails_in_one_line(run_cli, store, score_lead):
    score_lead("L-9", datetime.now(UTC))

    done = run_cli("erase", "--lead", "L-9")
    again = run_cli("erase", "--lead", "L-9")
    neither = run_cli("erase")

    assert done.exit_code == 0, done.output
    assert "erased lead L-9: 1 scores, 0 outcomes" in done.output
    assert again.exit_code == 2
    assert "never scored" in again.output
    assert neither.exit_code == 2
    assert "Traceback" not in again.output + neither.output

"""Canary values posted in every field the API accepts are found nowhere afterwards.

A real server with keys scores 1,000 leads whose name, email and phone, and every free-text
field, carry canary names, emails and phones; sales posts an outcome for each with canaries
in its reason and note; a retrain from the store runs (``leadgrade train --from-store``).
Then no canary may be found in any file under the home folder (the store and its WAL and
SHM files, the service log, the MLflow tracking database and artifacts) nor in any answer
a marketing key gets (every report and every page). An email keeps its domain (every
feature reads it), so the canary of an email is its part before the ``@``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from tests.helpers import free_port, run_leadgrade, serve_champion, wait_ready
from tests.serving.support import write_keys
from training.demo_data import generate_leads

pytestmark = pytest.mark.e2e

LEADS = 1000
KEYS = {
    "crm": ("crm-canary-key-0123456789abcdef", ["crm"]),
    "marketing": ("marketing-canary-key-0123456789", ["marketing"]),
}
# Lower case: files and answers are searched ignoring case. A phone is also searched for
# as digits alone, as a scrubber might leave it.
CANARIES = ["qzanary", "vexworth", "xylocanary", "20 7946", "207946", "555 0134", "5550134"]


def _name(i: int) -> str:
    return f"Qzanary Vexworth{i:04d}"  # the lead's own name


def _email(i: int) -> str:
    return f"qzanary.vexworth{i:04d}@canarymail.test"  # the lead's own email


def _phone(i: int) -> str:
    return f"+44 20 7946 {i:04d}"  # the lead's own phone


def _stranger(i: int) -> str:
    """Someone else's contact details, typed into free text."""
    return f"xylocanary{i}@othermail.test or +1 555 0134 {i:03d}"


def _lead(i: int, row: dict[str, Any]) -> dict[str, Any]:
    """A demo lead with canaries in its personal fields and in every text field."""
    everywhere = f"{_name(i)} {_email(i)} {_phone(i)} {_stranger(i)}"
    return {
        "lead_id": f"C{i:04d}",
        "created_at": row["created_at"].isoformat() + "Z",
        "email": _email(i),
        "full_name": _name(i),
        "phone": _phone(i),
        "owner_notes": everywhere,
        "company": f"{row['company']} ({_name(i)}, {_stranger(i)})",
        "job_title": f"{row['job_title']}, {_name(i)}, {_stranger(i)}",
        "industry": f"{row['industry']} {_stranger(i)}" if i % 2 else row["industry"],
        "country": f"{row['country']} {_phone(i)}" if i % 3 == 0 else row["country"],
        "lead_source": f"{row['lead_source']} {_email(i)}" if i % 2 else row["lead_source"],
        "campaign": f"{row['campaign']} {_name(i)} {_stranger(i)}",
        "employees": int(row["employees"]) if pd.notna(row["employees"]) else None,
        "pages_viewed": int(row["pages_viewed"]),
        "email_clicks": int(row["email_clicks"]),
        "days_since_last_activity": int(row["days_since_last_activity"]),
        "demo_requested": bool(row["demo_requested"]),
        "webinar_attended": bool(row["webinar_attended"]),
    }


def _outcome(i: int, won: bool) -> dict[str, Any]:
    said = f"{_name(i)} ({_email(i)}, {_phone(i)}) and {_stranger(i)}"
    if won:
        return {"outcome": "won", "reason": f"signed by {said}", "note": said, "rating": 5}
    return {"outcome": "lost", "reason": f"No budget, said {said}", "note": said, "rating": 2}


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEADGRADE_HOME": str(home),
        "LEADGRADE_MODEL_POLL_SECONDS": "0",
        "LEADGRADE_KEYS_FILE": str(home / "keys.toml"),
        # The store in the home folder, not the test session's (see tests/conftest.py).
        "LEADGRADE_DATABASE_URL": f"sqlite:///{home / 'leads.db'}",
        "LEADGRADE_STORE_LEDGER": str(home / "stores.json"),
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained and promoted champion, served with keys, fed canaries and retrained from
    its store; the home folder after it all, with ``running.json``: what each file held
    while the service still ran (the store's WAL and SHM files go when it stops)."""
    home = tmp_path_factory.mktemp("canary-home")
    write_keys(home / "keys.toml", KEYS)
    for step in (["demo-data", "--rows", "1000"], ["train"], ["promote"]):
        done = run_leadgrade(_env(home), *step)
        assert done.returncode == 0, f"{step} failed:\n{done.stderr}"
    port = free_port()
    with (home / "serve.log").open("w") as log:
        proc = serve_champion(_env(home), port, log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, proc)
            _feed(url)
            retrain = run_leadgrade(_env(home), "train", "--from-store")
            (home / "retrain.log").write_text(retrain.stdout + retrain.stderr)
            assert retrain.returncode == 0, retrain.stderr
            (home / "answers.txt").write_text("\n".join(_marketing_answers(url)))
            (home / "running.json").write_text(json.dumps(_scan(home)))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return home


def _feed(url: str) -> None:
    """Score the canary leads (half explained) and post an outcome for each."""
    rows = generate_leads(LEADS, seed=11).to_dict("records")
    crm = {"Authorization": f"Bearer {KEYS['crm'][0]}"}
    with httpx.Client(base_url=url, headers=crm, timeout=120) as client:
        for start in range(0, LEADS, 100):
            batch = [_lead(i, rows[i]) for i in range(start, start + 100)]
            explain = "true" if start % 200 == 0 else "false"
            r = client.post(f"/v1/leads/score/batch?explain={explain}", json=batch)
            assert r.status_code == 200, r.text
        for i, row in enumerate(rows):
            body = _outcome(i, won=row["status"] == "won")
            r = client.post(f"/v1/leads/C{i:04d}/outcome", json=body)
            assert r.status_code == 201, r.text
            assert r.json()["note"].count("[redacted]") >= 2  # the name, in the receipt too


def _marketing_answers(url: str) -> list[str]:
    """Every report and page a marketing key can read, as text."""
    reports = [
        "/v1/model",
        "/v1/model/report",
        *(f"/v1/reports/funnel?by={by}" for by in ("campaign", "source", "grade", "month")),
        "/v1/reports/funnel?by=campaign&by=month&limit=500",
        "/v1/reports/overdue?limit=500",
        "/v1/reports/kpis",
        "/v1/reports/kpis?format=csv",
        *(f"/v1/reports/follow-up?by={by}" for by in ("period", "campaign", "grade", "client")),
        "/v1/reports/target-accounts",
        "/v1/reports/campaign-changes",
        "/v1/reports/drift",
    ]
    pages = ["/ui", "/ui/model", "/ui/funnel", "/ui/funnel?by=source", "/ui/alignment"]
    key = KEYS["marketing"][0]
    answers = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in reports:
            r = client.get(path, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 200, (path, r.text)
            answers.append(f"{path}\n{r.text}")
        form = client.get("/ui/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        client.post("/ui/sign-in", data={"key": key, "csrf": token.group(1), "then": "/ui"})
        for path in [*pages, "/ui/alignment.csv"]:
            r = client.get(path)
            assert r.status_code == 200, (path, r.text)
            assert "sign-in" not in str(r.url)
            answers.append(f"{path}\n{r.text}")
    return answers


def _text_of(path: Path) -> str:
    """What a file holds, as text: Parquet decoded (it compresses), the rest as bytes."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv()
    return path.read_bytes().decode("utf-8", errors="replace")


def _found(text: str) -> list[str]:
    lowered = text.lower()
    return [c for c in CANARIES if c in lowered]


_OURS = {"answers.txt", "running.json"}


def _scan(home: Path) -> dict[str, list[str]]:
    """Each file under ``home`` (but this test's own notes) → the canaries in it."""
    files = [p for p in home.rglob("*") if p.is_file() and p.name not in _OURS]
    return {str(p.relative_to(home)): _found(_text_of(p)) for p in files}


def test_the_canaries_reached_the_service(home):
    """The test can fail: the canaries were sent in these fields, and leads trained on."""
    sent = _lead(1, generate_leads(2, seed=11).to_dict("records")[1])

    assert _found(str(sent)) == ["qzanary", "vexworth", "xylocanary", "20 7946", "555 0134"]
    assert "lead store" in (home / "retrain.log").read_text()


def test_no_canary_is_left_in_any_file_while_running_or_after(home):
    running = json.loads((home / "running.json").read_text())
    after = _scan(home)

    assert {"leads.db", "leads.db-wal", "leads.db-shm", "serve.log"} <= set(running), running
    assert any(name.endswith(".parquet") for name in after)  # the holdout was logged
    assert any(name.endswith("mlflow.db") for name in after), sorted(after)
    assert {name: hits for name, hits in running.items() if hits} == {}
    assert {name: hits for name, hits in after.items() if hits} == {}


def test_no_canary_is_in_any_marketing_answer(home):
    answers = (home / "answers.txt").read_text()

    assert "/ui/alignment.csv" in answers
    assert _found(answers) == []
    assert "canarymail.test" in answers  # the email's domain is shown: it is not personal

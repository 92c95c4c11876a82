"""Demo data → train → register → promote → real server process → scores over HTTP."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.helpers import free_port, run_leadgrade, serve_champion, wait_ready
from training.demo_data import generate_leads

pytestmark = pytest.mark.e2e


def leadgrade(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_leadgrade(env(home), *args, timeout=300)


def env(home: Path) -> dict[str, str]:
    return {**os.environ, "LEADGRADE_HOME": str(home), "LEADGRADE_MODEL_POLL_SECONDS": "0"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("home")
    for step in (["demo-data", "--rows", "5000"], ["train"], ["promote"]):
        done = leadgrade(home, *step)
        assert done.returncode == 0, f"{step} failed:\n{done.stderr}"
    port = free_port()
    log = (home / "serve.log").open("w")
    proc = serve_champion(env(home), port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_the_served_champion_grades_held_out_leads_well(server):
    held_out = generate_leads(3000, seed=2024)
    fields = [
        "lead_id",
        "email",
        "company",
        "job_title",
        "industry",
        "employees",
        "country",
        "lead_source",
        "campaign",
        "pages_viewed",
        "email_clicks",
        "days_since_last_activity",
        "demo_requested",
        "webinar_attended",
    ]
    leads = held_out[fields].astype(object).where(held_out[fields].notna(), None)
    results = []
    for start in range(0, len(leads), 1000):
        batch = leads.iloc[start : start + 1000].to_dict(orient="records")
        r = httpx.post(f"{server}/v1/leads/score", json=batch, timeout=60)
        assert r.status_code == 200, r.text
        results += r.json()
    assert [r["lead_id"] for r in results] == held_out["lead_id"].tolist()
    assert {r["model"]["version"] for r in results} == {"1"}

    prob = np.array([r["probability"] for r in results])
    grade = np.array([r["grade"] for r in results])
    for better, worse in zip("ABC", "BCD", strict=True):
        assert prob[grade == better].min() >= prob[grade == worse].max()

    closed = held_out["status"].isin(["won", "lost", "disqualified"]).to_numpy()
    won = (held_out["status"] == "won").to_numpy()
    conversion = {g: won[closed & (grade == g)].mean() for g in "AD"}
    assert conversion["A"] >= 3 * conversion["D"], conversion


def test_model_card_and_readiness_over_http(server):
    assert httpx.get(f"{server}/ready").json()["model"]["version"] == "1"
    card = httpx.get(f"{server}/v1/model").json()["card"]
    assert card["metrics"]["model"]["roc_auc"] > card["metrics"]["baseline"]["roc_auc"] - 0.02

"""The marketing pages in a real headless Chromium, against a real server process.

The server is uvicorn in a subprocess serving a tiny model trained here; Chromium is
driven over the DevTools protocol (``tests/serving/chromium.py``): the test fills in the
form and clicks the button like a user, so the browser itself sends the form POST.
Screenshots of each page land in ``test-artifacts/`` (git-ignored). The server has a lead
store of its own, which the campaigns test fills the way ``leadgrade demo-feedback`` does.

Without Chromium the tests skip, saying why, except on CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from features.spec import demo_spec
from leadgrade.demo_feedback import demo_records, replay
from models.saved import save_scorer
from tests.helpers import REPO, free_port, tiny_training
from tests.serving.chromium import Chromium, find_chromium
from training.demo_data import generate_leads

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
LEAD = {
    "industry": "Software",
    "country": "Germany",
    "lead_source": "Referral",
    "employees": "450",
    "pages_viewed": "9",
    "email_clicks": "3",
    "job_title": "VP Marketing",
    "email": "jane@northwind.com",
    "company": "Northwind",
}


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    binary = find_chromium()
    if binary is None:
        message = "chromium is not installed (Debian: apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must run the browser tests")
        pytest.skip(message)
    return binary


@pytest.fixture(scope="module")
def server(chromium_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn process serving a tiny model; yields its base URL.

    It asks for the browser first, so that a machine without one skips at once.
    """
    tmp = tmp_path_factory.mktemp("browser-server")
    model = save_scorer(tiny_training().scorer, tmp / "model")
    port = free_port()
    env = {
        **os.environ,
        "LEADGRADE_MODEL_URI": str(model),
        "LEADGRADE_MODEL_POLL_SECONDS": "0",
        "LEADGRADE_HOME": str(tmp / "home"),
        "LEADGRADE_DATABASE_URL": f"sqlite:///{tmp / 'leads.db'}",
    }
    command = [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with (tmp / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process, tmp / "server.log")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited early:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the server was not ready within 60 s:\n{log.read_text()[-2000:]}")


@pytest.fixture
def browser(chromium_binary: str, tmp_path: Path) -> Iterator[Chromium]:
    with Chromium(chromium_binary, tmp_path / "profile") as chromium:
        yield chromium


def _fill(browser: Chromium, values: dict[str, str]) -> None:
    script = "const f = document.getElementById('lead-form');" + "".join(
        f"f.elements[{json.dumps(name)}].value = {json.dumps(value)};"
        for name, value in values.items()
    )
    browser.evaluate(script)


def _text(browser: Chromium, selector: str) -> str:
    found = browser.evaluate(
        f"(e => e ? e.innerText : null)(document.querySelector({json.dumps(selector)}))"
    )
    assert found is not None, f"nothing matches {selector} on {browser.evaluate('location.href')}"
    return str(found)


def test_lead_page_scores_a_submitted_lead_and_shows_its_reasons(server, browser):
    browser.open(f"{server}/ui")
    assert browser.evaluate("document.querySelectorAll('#lead-form fieldset').length") >= 2
    _fill(browser, {**LEAD, "demo_requested": "yes"})
    browser.click_and_wait("#score-button")

    assert _text(browser, "#grade") in {"A", "B", "C", "D"}
    assert "/ 100" in _text(browser, "#score")
    assert _text(browser, "#route")
    assert "points" in _text(browser, "#fit")
    assert "points" in _text(browser, "#engagement")
    reasons = browser.evaluate(
        "[...document.querySelectorAll('#reasons .reasons li')].map(li => li.innerText)"
    )
    assert reasons
    assert any("converted" in r for r in reasons)
    assert browser.evaluate("document.querySelectorAll('#reasons svg rect').length") == len(reasons)
    # The form keeps what was sent, for a what-if.
    assert browser.evaluate("document.getElementById('lead-form').elements['industry'].value") == (
        "Software"
    )
    browser.screenshot(ARTIFACTS / "ui-lead.png")

    _fill(browser, {"demo_requested": "no"})
    browser.click_and_wait("#score-button")
    assert "before your change" in _text(browser, "#what-if")
    browser.screenshot(ARTIFACTS / "ui-lead-what-if.png")


def test_lead_page_explains_bad_input_in_plain_words(server, browser):
    browser.open(f"{server}/ui")
    browser.evaluate("document.querySelector('details').open = true")
    _fill(browser, {"__json": '{"industry": "Software", "employees": }'})
    browser.click_and_wait("#score-button")

    assert "not valid JSON" in _text(browser, "#form-errors")
    assert browser.evaluate("document.querySelector('#grade')") is None
    browser.screenshot(ARTIFACTS / "ui-lead-error.png")


def test_model_page_shows_importance_grades_and_calibration(server, browser):
    browser.open(f"{server}/ui")
    browser.click_and_wait("header a[href='/ui/model']")

    assert "leadgrade" in _text(browser, "#model-facts")
    assert " to " in _text(browser, "#window")
    for section in ("#importance", "#grades", "#calibration"):
        assert browser.evaluate(f"document.querySelectorAll('{section} svg').length") == 1
    assert "Job title" in _text(browser, "#importance")
    browser.screenshot(ARTIFACTS / "ui-model.png")


@pytest.fixture
def demo_feedback(server: str, tmp_path: Path) -> list[dict[str, Any]]:
    """Demo leads scored and their outcomes posted through the API; the funnel API's rows."""
    data = tmp_path / "leads.csv"
    generate_leads(240, seed=11).to_csv(data, index=False)
    with httpx.Client(base_url=server, timeout=60) as client:
        replay(client, demo_records(data, demo_spec(), None), demo_spec())
        rows: list[dict[str, Any]] = client.get("/v1/reports/funnel").json()["rows"]
    return rows


def test_campaigns_page_shows_the_funnel_and_its_loss_reasons(server, browser, demo_feedback):
    browser.open(f"{server}/ui")
    browser.click_and_wait("header a[href='/ui/funnel']")

    cells = browser.evaluate(
        "[...document.querySelectorAll('#funnel tbody tr')]"
        ".map(tr => [...tr.cells].map(td => td.innerText))"
    )
    campaigns = [row["group"]["campaign"] or "(no campaign)" for row in demo_feedback]
    leads = {c: str(row["leads"]) for c, row in zip(campaigns, demo_feedback, strict=True)}
    assert {row[0]: row[1] for row in cells} == leads
    # Campaigns largest first, then the leads that came without one.
    assert cells[-1][0] == "(no campaign)"
    sizes = [int(row[1]) for row in cells[:-1]]
    assert sizes == sorted(sizes, reverse=True)
    assert "bad timing" in _text(browser, "#funnel")  # loss reasons in words
    assert browser.evaluate("document.querySelectorAll('#win-rates svg rect').length") == len(cells)
    browser.screenshot(ARTIFACTS / "ui-funnel.png")

    browser.evaluate("document.getElementById('by').value = 'campaign,month'")
    browser.click_and_wait("#show-button")
    headers = browser.evaluate(
        "[...document.querySelectorAll('#funnel th')].map(th => th.innerText)"
    )
    assert headers[:2] == ["Campaign", "Month"]


def test_monthly_review_page_shows_the_metrics_promise_accounts_and_changes(
    server, browser, demo_feedback
):
    browser.open(f"{server}/ui/funnel")
    browser.click_and_wait("header a[href='/ui/alignment']")

    with httpx.Client(base_url=server, timeout=60) as client:
        kpis = client.get("/v1/reports/kpis").json()["rows"]
        follow = client.get("/v1/reports/follow-up", params={"by": "grade"}).json()["rows"]
    cells = browser.evaluate(
        "[...document.querySelectorAll('#kpis tbody tr')]"
        ".map(tr => [...tr.cells].map(td => td.innerText))"
    )
    assert [row[:2] for row in cells] == [[r["period"], str(r["leads"])] for r in kpis]
    assert browser.evaluate("document.querySelectorAll('#trend svg rect').length") > len(kpis)
    assert _text(browser, "#late") == str(sum(r["late"] for r in follow))
    assert " of 5" in _text(browser, "#coverage")
    assert "How this is decided" in _text(browser, "#changes")
    browser.screenshot(ARTIFACTS / "ui-alignment.png")

    browser.evaluate("document.getElementById('period').value = 'quarter'")
    browser.click_and_wait("#apply")
    assert "period=quarter" in browser.evaluate("location.href")
    periods = browser.evaluate(
        "[...document.querySelectorAll('#kpis tbody tr')].map(r => r.cells[0].innerText)"
    )
    assert all("-Q" in p for p in periods)

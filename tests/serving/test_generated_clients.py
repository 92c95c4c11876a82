"""Clients generated from the served document work as an integrator would use them.

The generators are the real ones (`make client-tools` installs them): openapi-python-client
in its own environment, openapi-typescript and TypeScript 5 from the npm lock file.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from serving.app import create_app
from tests.helpers import REPO
from tests.serving.support import LEAD, live_server, sqlite_settings

GENERATOR_BIN = REPO / ".venv" / "clients" / "bin"
TS = REPO / "clients" / "typescript"
TS_BIN = TS / "node_modules" / ".bin"
PACKAGE = "leadgrade_generated_client"


def _require(tool: Path) -> Path:
    if not tool.exists():
        message = f"{tool} is missing: run `make client-tools`"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return tool


def _run(command: list[str | Path], cwd: Path, path: Path | None = None) -> str:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live service on 127.0.0.1 (open: no API keys) with the tiny demo model."""
    settings = sqlite_settings(model_path, tmp_path_factory.mktemp("clients"))
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def generated(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The Python client generated from the live service's /openapi.json, imported."""
    generator = _require(GENERATOR_BIN / "openapi-python-client")
    out = tmp_path_factory.mktemp("python-client")
    output = _run(
        [
            generator,
            "generate",
            "--url",
            f"{server}/openapi.json",
            "--meta",
            "none",
            "--output-path",
            out / PACKAGE,
        ],
        cwd=out,
        path=GENERATOR_BIN,  # its ruff formats the generated code
    )
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture(scope="module")
def client(generated: ModuleType, server: str) -> Any:
    return generated.AuthenticatedClient(
        base_url=server, token="crm-key", raise_on_unexpected_status=True
    )


def test_python_client_scores_one_lead_into_a_typed_score(generated, client):
    models = _module(generated, "models")
    score_lead = _module(generated, "api.scoring.score_lead")
    lead = models.Lead.from_dict({**LEAD, "lead_id": "PY-1"})
    response = score_lead.sync_detailed(client=client, body=lead)
    assert response.status_code == 200
    score = response.parsed
    assert isinstance(score, models.ScoreOut)
    assert score.lead_id == "PY-1"
    assert isinstance(score.route, models.Route)
    assert isinstance(score.model, models.ModelRef)
    assert isinstance(score.grade, models.Grade)


def test_python_client_scores_a_batch_with_reasons(generated, client):
    models = _module(generated, "models")
    score_leads = _module(generated, "api.scoring.score_leads")
    leads = [models.Lead.from_dict({**LEAD, "lead_id": f"PY-B{i}"}) for i in range(3)]
    batch = score_leads.sync(client=client, body=leads, explain=True, top=2)
    assert isinstance(batch, models.ScoreBatchOut)
    assert [s.lead_id for s in batch.scores] == ["PY-B0", "PY-B1", "PY-B2"]
    reasons = batch.scores[0].reasons
    assert reasons
    assert all(isinstance(r, models.ReasonOut) for r in reasons)


def test_python_client_posts_an_outcome_idempotently_and_reads_the_lead(generated, client):
    models = _module(generated, "models")
    score_lead = _module(generated, "api.scoring.score_lead")
    post_outcome = _module(generated, "api.feedback.post_outcome")
    get_lead = _module(generated, "api.feedback.get_lead")
    body = models.Lead.from_dict({**LEAD, "lead_id": "PY-2"})
    score_lead.sync(client=client, body=body, explain=True)
    event = models.OutcomeIn(outcome=models.Outcome.LOST, reason="Not the right moment")

    first = post_outcome.sync_detailed("PY-2", client=client, body=event, idempotency_key="k-1")
    again = post_outcome.sync_detailed("PY-2", client=client, body=event, idempotency_key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert isinstance(first.parsed, models.OutcomeReceipt)
    assert first.parsed.canonical_reason == "bad_timing"
    assert again.parsed.replayed is True
    assert again.parsed.event_id == first.parsed.event_id

    lead = get_lead.sync("PY-2", client=client)
    assert isinstance(lead, models.LeadOut)
    assert isinstance(lead.latest_score, models.ScoreRecord)
    assert isinstance(lead.latest_outcome, models.OutcomeRecord)
    assert lead.latest_reasons
    assert all(isinstance(r, models.ReasonOut) for r in lead.latest_reasons)
    # One Grade and one Outcome type across answers, not a look-alike enum per schema.
    assert isinstance(lead.latest_score.grade, models.Grade)
    assert lead.latest_outcome.outcome is models.Outcome.LOST
    assert [o.event_id for o in lead.outcomes] == [first.parsed.event_id]


def test_python_client_parses_errors_into_the_error_model(generated, client):
    models = _module(generated, "models")
    post_outcome = _module(generated, "api.feedback.post_outcome")
    event = models.OutcomeIn(outcome=models.Outcome.WON)
    response = post_outcome.sync_detailed("never-scored", client=client, body=event)
    assert response.status_code == 404
    assert isinstance(response.parsed, models.ErrorOut)
    assert response.parsed.error.code == "lead_not_found"


@pytest.mark.parametrize(
    ("module", "answer", "args"),
    [
        ("api.operations.get_health", "HealthOut", {}),
        ("api.operations.get_readiness", "ReadyOut", {}),
        ("api.model.get_model", "ModelOut", {}),
        ("api.model.get_model_report", "ReportOut", {}),
        ("api.reports.get_funnel", "FunnelOut", {}),
        ("api.reports.get_overdue", "OverdueOut", {}),
    ],
)
def test_python_client_reads_every_other_answer_typed(generated, client, module, answer, args):
    answered = _module(generated, module).sync(client=client, **args)
    assert isinstance(answered, getattr(_module(generated, "models"), answer))


def test_python_client_explains_a_lead_typed(generated, client):
    models = _module(generated, "models")
    explain_lead = _module(generated, "api.scoring.explain_lead")
    explained = explain_lead.sync(client=client, body=models.Lead.from_dict(LEAD))
    assert isinstance(explained, models.ExplanationOut)
    assert all(isinstance(c, models.ContributionOut) for c in explained.contributions)


def test_typescript_types_compile_with_a_usage_file(server, tmp_path):
    generate = _require(TS_BIN / "openapi-typescript")
    tsc = _require(TS_BIN / "tsc")
    output = _run([generate, f"{server}/openapi.json", "-o", tmp_path / "leadgrade.d.ts"], TS)
    assert "warn" not in output.lower(), output
    for name in ("usage.ts", "tsconfig.json"):
        shutil.copy(TS / name, tmp_path / name)
    _run([tsc, "--noEmit", "-p", tmp_path], tmp_path)


def test_typescript_usage_file_fails_to_compile_against_a_wrong_answer(server, tmp_path):
    """The compile check has teeth: a field the answer does not have is an error."""
    generate = _require(TS_BIN / "openapi-typescript")
    tsc = _require(TS_BIN / "tsc")
    _run([generate, f"{server}/openapi.json", "-o", tmp_path / "leadgrade.d.ts"], TS)
    shutil.copy(TS / "tsconfig.json", tmp_path / "tsconfig.json")
    usage = (TS / "usage.ts").read_text(encoding="utf-8")
    (tmp_path / "usage.ts").write_text(usage.replace("score.grade", "score.rank"), "utf-8")
    done = subprocess.run(
        [tsc, "--noEmit", "-p", tmp_path], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode != 0
    assert "rank" in done.stdout

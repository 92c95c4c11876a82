"""Every command fails with one line and an exit code, never a traceback.

Each case runs a real command on input a user really gives it by mistake: a spec or data
file that is missing, unreadable, not TOML or lacking a column; a tracking URI or database
nobody listens on. Nothing is mocked: the unreachable servers are free local ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadgrade.cli import app
from tests.helpers import REPO, free_port
from training.demo_data import generate_leads


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of good and bad inputs, named for what is wrong with them."""
    folder = tmp_path_factory.mktemp("inputs")
    generate_leads(200, seed=1).to_csv(folder / "leads.csv", index=False)
    generate_leads(200, seed=1).drop(columns=["industry"]).to_csv(
        folder / "no-industry.csv", index=False
    )
    (folder / "not-toml.toml").write_text("[lead\nid = ", encoding="utf-8")
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00\x81 spec")
    (folder / "binary.csv").write_bytes(b"\xff\xfe\x00\x81,\x9c\n")
    (folder / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "a-folder.csv").mkdir()
    (folder / "unknown-key.toml").write_text(
        '[lead]\nid = "lead_id"\n[outcome]\ncolumn = "status"\nwon = ["won"]\nlost = ["lost"]\n'
        '[features]\nnumeric = ["employees"]\nshoe_size = ["x"]\n',
        encoding="utf-8",
    )
    return folder


NOBODY = "http://127.0.0.1:{port}"
NO_DB = "postgresql+psycopg://postgres@127.0.0.1:{port}/test"

CASES = [
    # (id, args, environment, what the one line says)
    ("spec-missing", ["train", "--spec", "missing.toml"], {}, "cannot read spec"),
    ("spec-not-toml", ["train", "--spec", "not-toml.toml"], {}, "not valid TOML"),
    ("spec-binary", ["train", "--spec", "binary.toml"], {}, "not UTF-8"),
    ("spec-unknown-key", ["train", "--spec", "unknown-key.toml"], {}, "shoe_size"),
    ("data-missing", ["train", "--data", "missing.csv"], {}, "no such data file"),
    ("data-folder", ["train", "--data", "a-folder.csv"], {}, "no such data file"),
    ("data-binary", ["train", "--data", "binary.csv"], {}, "not utf-8 text"),
    ("data-broken-parquet", ["train", "--data", "broken.parquet"], {}, "cannot read"),
    ("data-unknown-column", ["train", "--data", "no-industry.csv"], {}, "industry"),
    ("tracking-unreachable", ["train", "--data", "leads.csv"], {"track": NOBODY}, "tracking"),
    ("store-spec-missing", ["train", "--from-store", "--spec", "x.toml"], {}, "cannot read"),
    ("store-unreachable", ["train", "--from-store"], {"db": NO_DB}, "lead store"),
    ("promote-nothing", ["promote"], {}, "train one first"),
    ("promote-unreachable", ["promote"], {"track": NOBODY}, "tracking"),
    ("db-unreachable", ["db", "upgrade"], {"db": NO_DB}, "cannot migrate"),
    ("funnel-unreachable", ["report", "funnel"], {"db": NO_DB}, "lead store"),
    ("funnel-bad-by", ["report", "funnel", "--by", "region"], {}, "--by"),
    ("funnel-spec-missing", ["report", "funnel", "--spec", "x.toml"], {}, "cannot read"),
    ("feedback-data-missing", ["demo-feedback", "--data", "x.csv"], {}, "no data"),
    (
        "feedback-spec-missing",
        ["demo-feedback", "--data", "leads.csv", "--spec", "x.toml"],
        {},
        "cannot read spec",
    ),
    (
        "feedback-api-unreachable",
        ["demo-feedback", "--data", "leads.csv", "--limit", "1", "--url", NOBODY],
        {},
        "cannot reach the API",
    ),
]


def _environment(home: Path, env: dict[str, str]) -> dict[str, str]:
    port = free_port()
    values = {
        "LEADGRADE_HOME": str(home),
        "LEADGRADE_DATABASE_URL": f"sqlite:///{home / 'leads.db'}",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "COLUMNS": "300",
    }
    if "track" in env:
        values["LEADGRADE_TRACKING_URI"] = env["track"].format(port=port)
    if "db" in env:
        values["LEADGRADE_DATABASE_URL"] = env["db"].format(port=port)
    return values


def _assert_one_error_line(output: str, says: str) -> None:
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert output.rstrip().splitlines()[-1] == errors[0], "the error is the last word"
    assert says.lower() in errors[0].lower()


@pytest.mark.parametrize(("args", "env", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_command_given_bad_input_fails_with_one_line_and_exit_code_2(
    files, tmp_path, monkeypatch, args, env, says
):
    monkeypatch.chdir(files)
    args = [a.format(port=free_port()) if "{port}" in a else a for a in args]
    monkeypatch.delenv("LEADGRADE_TRACKING_URI", raising=False)
    for name, value in _environment(tmp_path / "home", env).items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    _assert_one_error_line(result.output, says)


def test_train_with_a_missing_spec_says_so_in_one_line_from_the_real_entry_point(tmp_path):
    env = {**os.environ, **_environment(tmp_path, {})}
    done = subprocess.run(
        [sys.executable, "-m", "leadgrade.cli", "train", "--spec", "does-not-exist.toml"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: cannot read spec does-not-exist.toml: No such file or directory\n"


def test_every_command_turns_mlflow_telemetry_off_unless_the_user_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MLflow 3 reports usage to its vendor by default: leadgrade makes no such call."""
    import mlflow.telemetry.utils as telemetry

    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY", raising=False)
    monkeypatch.setattr(telemetry, "_IS_IN_CI_ENV_OR_TESTING", False)
    assert not telemetry.is_telemetry_disabled(), "the check must be able to fail"
    CliRunner().invoke(app, ["db", "--help"])  # any command runs the shared callback
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert telemetry.is_telemetry_disabled()

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "false")
    CliRunner().invoke(app, ["db", "--help"])
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "false", "the user's choice wins"

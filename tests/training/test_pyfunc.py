"""MLflow's own tools on the registered model, fed a real export as pandas reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import numpy as np
import pandas as pd
import pytest

from models.registry import load_model
from tests.helpers import free_port
from training.demo_data import write_demo_data
from training.from_file import train_from_file
from training.promote import promote
from training.settings import TrainSettings
from training.tracking import model_requirements

OUTPUT = ["lead_id", "score", "probability", "grade", "queue", "follow_up_within_hours", "track"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> TrainSettings:
    return TrainSettings(home=tmp_path_factory.mktemp("pyfunc"))


@pytest.fixture(scope="module")
def export(settings: TrainSettings) -> Path:
    return write_demo_data(settings.home / "leads.csv", rows=1500, seed=12)


@pytest.fixture(scope="module")
def champion(settings: TrainSettings, export: Path) -> str:
    train_from_file(export, None, settings=settings)
    promote(settings, force=True)
    return f"models:/{settings.model_name}@champion"


@pytest.fixture(scope="module")
def pyfunc(settings: TrainSettings, champion: str) -> mlflow.pyfunc.PyFuncModel:
    mlflow.set_tracking_uri(settings.mlflow_uri)
    return mlflow.pyfunc.load_model(champion)


@pytest.fixture(scope="module")
def expected(settings: TrainSettings, champion: str, export: Path) -> pd.DataFrame:
    """What leadgrade's own loader scores for the same export."""
    scorer = load_model(champion, settings.mlflow_uri).scorer
    return scorer.score_frame(pd.read_csv(export))


def test_pyfunc_scores_the_export_as_pandas_reads_it(pyfunc, export, expected):
    """Integer columns, the outcome, feedback and notes columns, extra fields: all accepted."""
    frame = pd.read_csv(export)
    assert frame["pages_viewed"].dtype == np.int64
    assert {"status", "loss_reason", "sales_rating", "owner_notes"} <= set(frame.columns)
    out = pyfunc.predict(frame)
    assert list(out.columns[: len(OUTPUT)]) == OUTPUT
    assert out["lead_id"].tolist() == frame["lead_id"].astype(str).tolist()
    pd.testing.assert_frame_equal(out, expected)


# Run with ``python -I`` (no PYTHONPATH, no working directory on the path) after taking off
# sys.path the folders that hold leadgrade's packages (the editable install's .pth entry).
_LOAD_WITHOUT_LEADGRADE = """
import importlib.util, sys
from pathlib import Path
sys.path = [p for p in sys.path if p and not (Path(p) / "models" / "pyfunc.py").exists()]
leadgrade = [m for m in ("features", "models", "leadgrade") if importlib.util.find_spec(m)]
assert not leadgrade, f"importable before loading the model: {leadgrade}"
import mlflow, pandas as pd
out = mlflow.pyfunc.load_model(sys.argv[1]).predict(pd.read_csv(sys.argv[2]))
print(sys.modules["models.pyfunc"].__file__)
out.to_csv(sys.argv[3], index=False)
"""


def test_pyfunc_loads_where_leadgrade_is_not_installed(settings, champion, export, expected,
                                                       tmp_path):  # fmt: skip
    """The model carries the code that reads it: leadgrade need not be importable."""
    out = tmp_path / "scored.csv"
    done = subprocess.run(
        [sys.executable, "-I", "-c", _LOAD_WITHOUT_LEADGRADE, champion, str(export), str(out)],
        cwd=tmp_path, env={**os.environ, "MLFLOW_TRACKING_URI": settings.mlflow_uri},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "/code/models/pyfunc.py" in done.stdout
    assert out.read_text() == expected.to_csv(index=False)


def test_model_requirements_pin_the_locked_versions():
    lock = (Path(__file__).parents[2] / "requirements.lock").read_text().splitlines()
    assert set(model_requirements()) <= {line.split()[0] for line in lock if "==" in line}


def test_integer_and_float_numbers_score_the_same(pyfunc, export):
    frame = pd.read_csv(export).head(200)
    floats = frame.assign(**{c: frame[c].astype(float) for c in ("pages_viewed", "email_clicks")})
    pd.testing.assert_frame_equal(pyfunc.predict(frame), pyfunc.predict(floats))


def test_absent_optional_columns_are_missing_values(pyfunc, settings, champion, export):
    frame = pd.read_csv(export).head(100).drop(columns=["job_title", "campaign", "email"])
    scorer = load_model(champion, settings.mlflow_uri).scorer
    records = [{"lead_id": str(i)} for i in frame["lead_id"]]
    bare = pd.DataFrame(scorer.score_records([{**r} for r in records]))
    out = pyfunc.predict(frame)
    assert len(out) == 100
    assert set(out["grade"]) <= set("ABCD")
    only_id = pyfunc.predict(frame[["lead_id"]])
    assert only_id["grade"].tolist() == bare["grade"].tolist()


@pytest.fixture(scope="module")
def scoring_server(settings: TrainSettings, champion: str) -> Iterator[str]:
    """``mlflow models serve --env-manager local`` on the champion, on a free port."""
    port = free_port()
    bin_dir = Path(sys.executable).parent  # mlflow starts uvicorn from the PATH
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": settings.mlflow_uri, "PATH": path}
    mlflow_cli = bin_dir / "mlflow"
    args = [str(mlflow_cli), "models", "serve", "-m", champion, "--env-manager", "local"]
    log = settings.home / "mlflow-serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*args, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_ping(url, proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for_ping(
    url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 300
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mlflow models serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(
        f"mlflow models serve did not answer /ping in time: {log.read_text()[-2000:]}"
    )


def test_mlflow_models_serve_answers_json_with_integers(scoring_server, export, expected):
    frame = pd.read_csv(export).head(5)
    records = json.loads(frame.to_json(orient="records"))
    assert isinstance(records[0]["pages_viewed"], int)
    response = httpx.post(
        f"{scoring_server}/invocations", json={"dataframe_records": records}, timeout=30
    )
    assert response.status_code == 200, response.text
    rows = response.json()["predictions"]
    assert [r["lead_id"] for r in rows] == frame["lead_id"].astype(str).tolist()
    assert [r["grade"] for r in rows] == expected["grade"].head(5).tolist()
    assert [r["score"] for r in rows] == expected["score"].head(5).tolist()


def test_mlflow_models_serve_answers_the_readme_request(scoring_server):
    """The README's request: an integer id and two of the features, the others absent."""
    record = {"lead_id": 1, "pages_viewed": 12, "employees": 250}
    response = httpx.post(
        f"{scoring_server}/invocations", json={"dataframe_records": [record]}, timeout=30
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["predictions"]
    assert row["lead_id"] == "1"
    assert row["grade"] in set("ABCD")
    assert row["queue"] in {"sales", "nurture"}

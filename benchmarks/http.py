"""Scoring over HTTP, side by side in one run: leadgrade against its floor and MLflow.

Starts everything it measures itself, on loopback: the bare-ASGI floor (same model, no
store, see :mod:`benchmarks.floor`), leadgrade on SQLite, leadgrade on PostgreSQL (when a
server answers at LEADGRADE_BENCH_POSTGRES_URL) and ``mlflow models serve`` on the same
registered model; drives each with wrk for a bounded time, and writes the
``scoring-http`` section of docs/benchmarks.md. Run with ``make bench``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from benchmarks.http_report import Figures, report
from benchmarks.load import Load, started, wrk
from benchmarks.machine import preamble, write_section
from models.registry import load_model
from models.saved import save_scorer

SECONDS = float(os.environ.get("LEADGRADE_BENCH_SECONDS", "10"))
POSTGRES = os.environ.get(
    "LEADGRADE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BIN = Path(sys.executable).parent
CHAMPION = "models:/leadgrade@champion"


def main() -> None:
    context = preamble()
    with tempfile.TemporaryDirectory(prefix="leadgrade-bench-") as tmp:
        work = Path(tmp)
        env = {"LEADGRADE_HOME": str(work / "home"), "LEADGRADE_MODEL_POLL_SECONDS": "0"}
        bodies = prepare(work, env)
        figures = Figures(import_lightgbm_s=0.0)
        measure_start(work, env, figures)
        measure_floor(work, env, bodies, figures)
        measure_leadgrade(work, env, bodies, figures)
        measure_mlflow(work, env, bodies, figures)
    write_section("scoring-http", "Scoring over HTTP", f"{context}\n\n{report(figures)}")


def leadgrade(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "leadgrade"), *args], env={**os.environ, **env}, check=True)


def prepare(work: Path, env: dict[str, str]) -> dict[str, Path]:
    """Train and promote the demo model; write the request bodies."""
    leadgrade("demo-data", env=env)
    leadgrade("train", env=env)
    leadgrade("promote", env=env)
    tracking = f"sqlite:///{work / 'home' / 'mlflow.db'}"
    os.environ["MLFLOW_TRACKING_URI"] = tracking  # MLflow's download reads the registry from it
    scorer = load_model(CHAMPION, tracking).scorer
    save_scorer(scorer, work / "floor-model")
    from training.demo_data import generate_leads

    fields = [scorer.spec.lead.id, *scorer.spec.feature_fields]
    frame = generate_leads(1000, seed=99)[fields]
    leads: list[dict[str, Any]] = (
        frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # type: ignore[assignment]
    )
    bodies: dict[str, Any] = {
        "one": leads[0],
        "batch": leads,
        "mlflow": {"dataframe_records": [leads[0]]},
    }
    paths = {name: work / f"{name}.json" for name in bodies}
    for name, body in bodies.items():
        paths[name].write_text(json.dumps(body, default=str))
    return paths


def measure_start(work: Path, env: dict[str, str], out: Figures, runs: int = 3) -> None:
    """Start to ``/ready`` of ``leadgrade serve`` against ``python -c "import lightgbm"``.

    The two alternate, ``runs`` times each, so that both see the same machine; the medians
    of wall time (the target) and of CPU time (which a busy machine inflates far less) count.
    """
    serve = [str(BIN / "leadgrade"), "serve", "--port", "{port}"]
    imports, starts = [], []
    for _ in range(runs):
        imports.append(_import_lightgbm())
        with started(serve, "/ready", env, work / "serve-start.log") as server:
            starts.append((server.ready_seconds, server.ready_cpu_seconds or 0.0))
    out.import_lightgbm_s = statistics.median(wall for wall, _ in imports)
    out.import_lightgbm_cpu_s = statistics.median(cpu for _, cpu in imports)
    out.ready_s = statistics.median(wall for wall, _ in starts)
    out.ready_cpu_s = statistics.median(cpu for _, cpu in starts)


def _import_lightgbm() -> tuple[float, float]:
    """Wall and CPU seconds of ``python -c "import lightgbm"`` (a whole process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import lightgbm"], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def drive(url: str, body: Path, work: Path) -> tuple[Load, Load]:
    """One and sixteen connections, ``SECONDS`` each."""
    return wrk(url, body, 1, SECONDS, work), wrk(url, body, 16, SECONDS, work)


def measure_floor(work: Path, env: dict[str, str], bodies: dict[str, Path], out: Figures) -> None:
    command = [sys.executable, "-m", "benchmarks.floor", str(work / "floor-model"), "{port}"]
    with started(command, "/", env, work / "floor.log") as server:
        out.single["floor"] = drive(server.url, bodies["one"], work)


def measure_leadgrade(
    work: Path, env: dict[str, str], bodies: dict[str, Path], out: Figures
) -> None:
    serve = [str(BIN / "leadgrade"), "serve", "--port", "{port}"]
    with started(serve, "/ready", env, work / "serve-sqlite.log") as server:
        score, batch = f"{server.url}/v1/leads/score", f"{server.url}/v1/leads/score/batch"
        out.single["sqlite"] = drive(score, bodies["one"], work)
        out.batch = wrk(batch, bodies["batch"], 2, SECONDS, work)
        out.explain_one = wrk(f"{score}?explain=true", bodies["one"], 1, SECONDS, work)
        out.explain_batch = wrk(f"{batch}?explain=true", bodies["batch"], 2, SECONDS, work)
    out.in_process_rows_s = in_process_rows_per_second(work, bodies["batch"])
    with postgres_database() as url:
        if url is None:
            out.notes.append(f"leadgrade on PostgreSQL not measured: no server at {POSTGRES}")
            return
        pg_env = {**env, "LEADGRADE_DATABASE_URL": url}
        with started(serve, "/ready", pg_env, work / "serve-pg.log") as server:
            out.single["postgresql"] = drive(f"{server.url}/v1/leads/score", bodies["one"], work)


def measure_mlflow(work: Path, env: dict[str, str], bodies: dict[str, Path], out: Figures) -> None:
    tracking = f"sqlite:///{work / 'home' / 'mlflow.db'}"
    command = [str(BIN / "mlflow"), "models", "serve", "-m", CHAMPION, "--env-manager", "local"]
    command += ["-h", "127.0.0.1", "-p", "{port}", "-w", "1"]
    # MLflow starts its server as `uvicorn …` through the shell: the venv's bin must be on PATH.
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    mlflow_env = {**env, "MLFLOW_TRACKING_URI": tracking, "PATH": path}
    with started(command, "/ping", mlflow_env, work / "mlflow.log") as server:
        out.single["mlflow"] = drive(f"{server.url}/invocations", bodies["mlflow"], work)


def in_process_rows_per_second(work: Path, batch: Path, repeat: int = 20) -> float:
    """``score_records`` alone on the batch body's 1,000 leads (median of ``repeat`` calls)."""
    from models.saved import load_scorer

    scorer = load_scorer(work / "floor-model")
    leads = json.loads(batch.read_text())
    scorer.score_records(leads)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        scorer.score_records(leads)
        times.append(time.perf_counter() - start)
    return len(leads) / statistics.median(times)


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database on the benchmark's PostgreSQL server (dropped after), or None."""
    server = make_url(POSTGRES)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"leadgrade_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError:
        admin.dispose()
        with nullcontext(None) as nothing:
            yield nothing
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()

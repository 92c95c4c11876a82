"""Training at scale: wall time, peak memory and the share of LightGBM's own boosting.

Each size runs ``leadgrade train``'s own path (:func:`training.from_file.train_from_file`:
reading, validation, transform, leakage audit, baseline, report, plots, MLflow logging)
in a fresh process on demo leads, so its peak RSS is that run's alone. Inside it,
``lightgbm.train`` is timed: whatever is not boosting is the pipeline around it. Writes
the ``training`` section of docs/benchmarks.md. ``make bench`` runs 100,000 leads;
``make bench-full`` adds 1,000,000.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.machine import preamble, write_section

TARGET_WALL_S = 75.0
TARGET_RSS_GB = 4.0
TARGET_OUTSIDE = 0.40


def run_once(rows: int, home: Path) -> dict[str, Any]:
    """Train on ``rows`` demo leads in this process; the timings as a dict."""
    import lightgbm
    from mlflow import MlflowClient

    from training.demo_data import generate_leads
    from training.from_file import train_from_file
    from training.settings import TrainSettings

    data = home / "leads.parquet"
    generate_leads(rows, seed=7).to_parquet(data)
    boosting = [0.0]
    train = lightgbm.train

    def timed_train(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return train(*args, **kwargs)
        finally:
            boosting[0] += time.perf_counter() - start

    lightgbm.train = timed_train
    start = time.perf_counter()
    registered = train_from_file(data, None, settings=TrainSettings(home=home))
    wall = time.perf_counter() - start
    settings = TrainSettings(home=home)
    run = MlflowClient(tracking_uri=settings.mlflow_uri).get_run(registered.run_id)
    auc = run.data.metrics.get("roc_auc")
    return {"rows": rows, "wall_s": wall, "boosting_s": boosting[0], "auc": auc}


def measure(rows: int) -> dict[str, Any]:
    """Run :func:`run_once` in a child process; add its peak RSS."""
    with tempfile.TemporaryDirectory(prefix="leadgrade-train-bench-") as home:
        out = Path(home) / "figures.json"
        code = (
            "import json, sys; from pathlib import Path; "
            "from benchmarks.training_speed import run_once; "
            f"Path({str(out)!r}).write_text(json.dumps(run_once({rows}, Path({home!r}))))"
        )
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            raise RuntimeError(f"training on {rows:,} leads failed (status {status})")
        figures: dict[str, Any] = json.loads(out.read_text())
    figures["peak_rss_gb"] = usage.ru_maxrss / 2**20  # kB on Linux
    return figures


def report(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| demo leads | wall s | LightGBM boosting s | outside boosting | peak RSS GB "
        "| holdout AUC |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        outside = 1 - r["boosting_s"] / r["wall_s"]
        auc = "—" if r["auc"] is None else f"{r['auc']:.4f}"
        lines.append(
            f"| {r['rows']:,} | {r['wall_s']:.1f} | {r['boosting_s']:.1f} | {outside:.0%} "
            f"| {r['peak_rss_gb']:.2f} | {auc} |"
        )
    big = [r for r in runs if r["rows"] >= 1_000_000]
    if big:
        r = big[0]
        outside = 1 - r["boosting_s"] / r["wall_s"]
        lines += [
            "",
            "| target (1,000,000 leads) | measured | met |",
            "|---|---:|---|",
            _target("wall ≤ 75 s", f"{r['wall_s']:.0f} s", r["wall_s"] <= TARGET_WALL_S),
            _target(
                "peak RSS ≤ 4 GB", f"{r['peak_rss_gb']:.2f} GB", r["peak_rss_gb"] <= TARGET_RSS_GB
            ),
            _target("outside boosting ≤ 40 %", f"{outside:.0%}", outside <= TARGET_OUTSIDE),
        ]
    return "\n".join(lines)


def _target(name: str, measured: str, met: bool) -> str:
    return f"| {name} | {measured} | {'yes' if met else '**no**'} |"


def main() -> None:
    sizes = [100_000, 1_000_000] if "--full" in sys.argv else [100_000]
    context = preamble()
    runs = [measure(rows) for rows in sizes]
    command = "python -m benchmarks.training_speed" + (" --full" if len(sizes) > 1 else "")
    body = f"{context} Run: `{command}`.\n\n{report(runs)}"
    write_section("training", "Training at scale", body)


if __name__ == "__main__":
    main()

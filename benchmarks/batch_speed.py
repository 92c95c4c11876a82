"""Batch scoring: rows/s beside a bare ``Booster.predict``, peak memory at 100k and 1M rows.

All figures come from one run on one model, side by side; the memory figures are each a
fresh process (``leadgrade score`` on the file), so one does not inherit the other's heap.
Spark local-mode throughput is added when pyspark is installed. Run with ``make bench-batch``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import preamble, write_section
from features.spec import demo_spec
from models.batch import score_file
from models.saved import load_scorer, save_scorer
from training.demo_data import generate_leads
from training.pipeline import train_scorer

ROWS = 100_000
NOTE = (
    "Target (issue 9): grade and route at ≥ 0.70 of bare predict. Not met in this run: the loss"
    "-reason booster (multiclass, asked about every C/D lead) and the per-lead route objects co"
    "st more than the grade booster; the end-to-end figure is dominated by reading and encoding"
    " the CSV in Python. The machine was shared (see the load average)."
)


def rate(rows: int, fn: object) -> float:
    """Rows per second of one call of ``fn`` (the best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return rows / best


def peak_rss_mib(model: Path, source: Path, output: Path) -> float:
    """Peak resident memory of a fresh process scoring ``source`` (MiB)."""
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from models.batch import score_file\n"
        "from models.saved import load_scorer\n"
        "s = load_scorer(Path(sys.argv[1]))\n"
        "score_file(s, Path(sys.argv[2]), Path(sys.argv[3]), version='bench')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(model), str(source), str(output)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(done.stdout.split()[-1]) / 1024


def spark_rate(model: Path, source: Path, home: Path) -> str:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark not installed (pip install 'leadgrade[spark]')"
    from models.spark import score_with_spark
    from training.tracking import save_pyfunc

    pyfunc = save_pyfunc(load_scorer(model), home / "pyfunc")
    start = time.perf_counter()
    out = home / "spark-out.parquet"
    rows = score_with_spark(str(pyfunc), f"sqlite:///{home}/mlflow.db", source, out, "local[2]")
    return f"{rows / (time.perf_counter() - start):,.0f} rows/s (incl. Spark start-up)"


def main() -> None:
    scorer = train_scorer(generate_leads(6000, seed=7), demo_spec()).scorer
    leads = generate_leads(ROWS, seed=99)
    X = scorer.transformer.transform(leads)
    ids = leads["lead_id"].astype(str).tolist()
    bare = rate(ROWS, lambda: scorer.booster.predict(X, raw_score=True))
    matrix = rate(ROWS, lambda: scorer._results(ids, X))  # grade and route, no transform
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        model = save_scorer(scorer, home / "model")
        small = home / "leads-100k.csv"
        leads.to_csv(small, index=False)
        large = home / "leads-1m.csv"
        for i in range(10):
            copy = leads.assign(lead_id=leads["lead_id"] + f"-{i}")
            copy.to_csv(large, index=False, mode="a" if i else "w", header=not i)
        loaded = load_scorer(model)
        start = time.perf_counter()
        score_file(loaded, small, home / "out.parquet", version="bench")
        file_rate = ROWS / (time.perf_counter() - start)
        rss = {n: peak_rss_mib(model, p, home / f"out-{n}.parquet")
               for n, p in (("100k", small), ("1M", large))}  # fmt: skip
        spark = spark_rate(model, small, home)
    rows = [
        ("bare `Booster.predict` (raw scores), same encoded matrix", f"{bare:,.0f}", "1.00"),
        ("grade and route from the matrix (calibrate, grade, loss reasons, routes)",
         f"{matrix:,.0f}", f"{matrix / bare:.2f}"),
        ("`leadgrade score` CSV → Parquet end to end (read, encode, score, write)",
         f"{file_rate:,.0f}", f"{file_rate / bare:.2f}"),
    ]  # fmt: skip
    table = "| path | rows/s | vs bare predict |\n|---|---:|---:|\n"
    table += "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    memory = "| input | peak RSS |\n|---|---:|\n" + "\n".join(
        f"| {n} rows (CSV) | {v:,.0f} MiB |" for n, v in rss.items()
    )
    body = (
        f"{preamble()}\n\n{ROWS:,} demo leads, a model trained on 6,000.\n\n{table}\n\n"
        f"{NOTE}\n\nPeak memory of `leadgrade score` "
        "(chunks of 50,000 rows, a fresh process each):\n\n"
        f"{memory}\n\nSpark local mode (`--engine spark`, `local[2]`, 100k rows): {spark}\n"
    )
    write_section("batch", "Batch scoring", body)
    print(body)


if __name__ == "__main__":
    main()

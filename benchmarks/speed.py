"""Scoring speed: LightGBM alone vs the scoring path vs a real HTTP request, in one run.

Targets are ratios measured side by side (the machines are shared and noisy): the hot path
should cost little more than LightGBM itself. Run with ``make bench``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from benchmarks.machine import describe, write_section
from features.spec import demo_spec
from models.saved import save_scorer
from models.scorer import LeadScorer
from models.threads import predict_threads
from serving.app import create_app
from serving.settings import ServeSettings
from store import LeadStore
from training.demo_data import generate_leads
from training.pipeline import encode_split, train_scorer
from training.recency import ship_linear

LGB_ONE = "LightGBM alone, 1 C/D lead: grade + loss-reason boosters (pre-encoded)"
PATH_ONE = "score_records, 1 C/D lead (encode, both boosters, calibrate, grade, route)"
LGB_MANY = "LightGBM alone, 1,000 leads: both boosters (pre-encoded)"
PATH_MANY = "score_records, 1,000 leads"
HTTP_MANY = "POST /v1/leads/score/batch, 1,000 leads"
LINEAR_ONE = "score_records, 1 C/D lead, the logistic model shipped instead of LightGBM"
LINEAR_MANY = "score_records, 1,000 leads, the logistic model shipped instead of LightGBM"
STORE_MANY = "LeadStore.record_scores, 1,000 leads (SQLite, synchronous=FULL)"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of each call in milliseconds, after a short warm-up."""
    for _ in range(min(20, repeat)):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    demo = generate_leads(6000, seed=7)
    scorer = train_scorer(demo, demo_spec()).scorer
    leads = generate_leads(1000, seed=99)
    fields = ["lead_id", *scorer.spec.feature_fields]
    records = leads[fields].astype(object).where(leads[fields].notna(), None)
    batch: list[dict[str, Any]] = records.to_dict(orient="records")  # type: ignore[assignment]
    # A C or D lead runs both boosters (grade, then likely loss reason): the costlier case.
    one = [r for r in batch if scorer.score_records([r])[0]["grade"] in "CD"][:1]
    x_one = scorer.transformer.transform_records(one)
    x_batch = scorer.transformer.transform_records(batch)
    rows = {
        LGB_ONE: timed(lambda: both_boosters(scorer, x_one), 2000),
        PATH_ONE: timed(lambda: scorer.score_records(one), 2000),
        LGB_MANY: timed(lambda: both_boosters(scorer, x_batch), 50),
        PATH_MANY: timed(lambda: scorer.score_records(batch), 50),
    }
    linear = linear_twin(scorer, demo)
    rows[LINEAR_ONE] = timed(lambda: linear.score_records(one), 2000)
    rows[LINEAR_MANY] = timed(lambda: linear.score_records(batch), 50)
    with tempfile.TemporaryDirectory() as home:
        path = save_scorer(scorer, Path(home) / "scorer")
        settings = ServeSettings(home=Path(home), model_uri=str(path), model_poll_seconds=0)
        rows.update(http_rows(settings, batch))
        rows[STORE_MANY] = store_write(scorer, batch, f"sqlite:///{home}/store-bench.db")
    write_section("scoring", "Scoring", report(rows, booster_of(scorer).num_trees()))


def booster_of(scorer: LeadScorer) -> lgb.Booster:
    """The demo model's booster (LightGBM wins on the demo's validation leads)."""
    if not isinstance(scorer.estimator, lgb.Booster):
        raise SystemExit("the demo model shipped is not LightGBM: this benchmark needs one")
    return scorer.estimator


def linear_twin(scorer: LeadScorer, demo: pd.DataFrame) -> LeadScorer:
    """The demo scorer with the logistic model as its estimator, fitted as training ships it
    when the logistic model wins on validation (same transform, grades and routing)."""
    e = encode_split(demo, scorer.spec)
    shipped = ship_linear(
        e.baseline(e.split.train),
        (e.X, e.labels.y, e.labels.weight),
        (e.split.train, e.split.valid),
        categorical=e.transformer.categorical_indices_,
    )
    return replace(scorer, estimator=shipped.model, calibrator=shipped.calibrator)


def both_boosters(scorer: LeadScorer, x: np.ndarray) -> None:
    """What leads cost in LightGBM alone: the grade, then the likely loss reason."""
    threads = predict_threads(len(x))
    booster_of(scorer).predict(x, raw_score=True, num_threads=threads)
    if scorer.loss_reasons is not None:
        scorer.loss_reasons.booster.predict(x, num_threads=threads)


def store_write(scorer: LeadScorer, batch: list[dict[str, Any]], url: str) -> list[float]:
    """The durable write the score route makes for every request, alone."""
    store = LeadStore(url)
    store.upgrade()
    model = {"name": "leadgrade", "version": "1", "run_id": "bench"}
    results = [{**r, "model": model} for r in scorer.score_records(batch)]
    rounds = iter(range(1_000_000))

    def write() -> None:  # new lead ids each round: a first score, as in production
        n = next(rounds)
        leads = [{**lead, "lead_id": f"{lead['lead_id']}-{n}"} for lead in batch]
        scored = [{**r, "lead_id": f"{r['lead_id']}-{n}"} for r in results]
        store.record_scores(scorer.spec, leads, scored, client="bench")

    times = timed(write, 20)
    store.dispose()
    return times


def http_rows(settings: ServeSettings, batch: list[dict[str, Any]]) -> dict[str, list[float]]:
    """The route itself, through an in-process ASGI client (a temporary lead store)."""
    rows = {}
    with TestClient(create_app(settings)) as client:
        rows["POST /v1/leads/score, 1 lead (in-process ASGI client)"] = timed(
            lambda: client.post("/v1/leads/score", json=batch[0]), 500
        )
        rows[HTTP_MANY] = timed(lambda: client.post("/v1/leads/score/batch", json=batch), 30)
    return rows


def report(rows: dict[str, list[float]], trees: int) -> str:
    lines = [
        f"Machine: {describe()}. Demo model: {trees} trees.",
        "",
        "| what | p50 ms | p95 ms | leads/s at p50 |",
        "|---|---:|---:|---:|",
    ]
    for name, values in rows.items():
        n = 1000 if "1,000" in name else 1
        lines.append(
            f"| {name} | {p(values, 50):.3f} | {p(values, 95):.3f} | "
            f"{n / (statistics.median(values) / 1000):,.0f} |"
        )
    one = p(rows[PATH_ONE], 50) / p(rows[LGB_ONE], 50)
    many = p(rows[PATH_MANY], 50) / p(rows[LGB_MANY], 50)
    linear_one = p(rows[LINEAR_ONE], 50) / p(rows[PATH_ONE], 50)
    linear_many = p(rows[LINEAR_MANY], 50) / p(rows[PATH_MANY], 50)
    lines += [
        "",
        f"Ratio of the scoring path to LightGBM alone: {one:.1f}× for one lead, "
        f"{many:.1f}× for 1,000 leads. A shipped logistic model (its terms in NumPy, "
        f"`models.linear`) scores in {linear_one:.2f}× the booster's time for one lead and "
        f"{linear_many:.2f}× for 1,000 leads (same transform, calibration and "
        "routing). The HTTP rows include validation, JSON and the lead "
        "store's write of every scored lead (acknowledged means on disk): "
        f"{p(rows[STORE_MANY], 50):.0f} of the route's {p(rows[HTTP_MANY], 50):.0f} ms "
        "for 1,000 leads are that write (last row).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

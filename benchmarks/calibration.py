"""Calibration when the win rate moves: the measurement behind training's refit rule.

Writes docs/calibration.md (run by ``make bench-quality``). On demo data, drifting
(``generate_leads(..., drift=True)``) and steady, every variant of "refit or not" ×
"calibrate on which validation leads, scored by which booster" is measured on the same
holdout, with LightGBM's default leadgrade parameters (``training.fit.DEFAULT_PARAMS``):
the rule is about the refit and the calibration, not the tuning. Then the full training,
as ``leadgrade train`` runs it, on the larger drifting data sets of the drift test.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

from benchmarks.machine import describe, load_average
from features.spec import demo_spec
from models.calibration import ScoreCalibrator
from training.demo_data import generate_leads
from training.evaluate import expected_calibration_error
from training.fit import DEFAULT_PARAMS, fit_booster
from training.pipeline import Encoded, encode_split, train_scorer
from training.recency import ship

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "calibration.md"
DRIFT_SEEDS, STEADY_SEEDS, TEST_SEEDS = range(7, 13), range(7, 11), range(7, 10)
ROWS, TEST_ROWS = 6000, 12_000
SHIPPED = "refit, calibrated out-of-sample on all validation leads"

Scores = tuple[np.ndarray, np.ndarray]  # calibrated holdout probabilities, holdout y
Results = dict[str, list[tuple[float, float]]]  # variant → (ECE, Brier) per seed


@dataclass(frozen=True)
class Fits:
    """One data set's boosters and leads: what every variant is built from."""

    encoded: Encoded
    early: np.ndarray  # raw scores of the booster fitted on training leads only, all leads
    refit: np.ndarray  # raw scores of the booster refitted on training + validation
    newest: np.ndarray  # the newest half of the validation leads (row indices)


def _fits(frame: pd.DataFrame) -> Fits:
    spec = demo_spec()
    encoded = encode_split(frame, spec)
    X, y, w, split = encoded.X, encoded.labels.y, encoded.labels.weight, encoded.split
    t = encoded.transformer
    names, categorical = t.feature_names_out_, t.categorical_indices_
    early = fit_booster(X[split.train], y[split.train], w[split.train], X[split.valid],
                        y[split.valid], feature_names=names, categorical=categorical)  # fmt: skip
    shipped = ship(early, (X, y, w), (split.train, split.valid), feature_names=names,
                   categorical=categorical, params=DEFAULT_PARAMS)  # fmt: skip
    created = pd.to_datetime(encoded.labels.frame[spec.lead.created_at], utc=True).to_numpy()
    by_time = split.valid[np.argsort(created[split.valid], kind="stable")]
    return Fits(
        encoded,
        np.asarray(early.predict(X, raw_score=True)),
        np.asarray(shipped.model.predict(X, raw_score=True)),
        by_time[len(by_time) // 2 :],
    )


def _calibrated(raw: np.ndarray, fit_on: np.ndarray, cal_raw: np.ndarray, f: Fits) -> Scores:
    """Holdout probabilities of ``raw``, Platt-fitted on ``cal_raw`` of the rows ``fit_on``."""
    y, holdout = f.encoded.labels.y, f.encoded.split.holdout
    calibrator = ScoreCalibrator().fit(cal_raw[fit_on], y[fit_on])
    return calibrator.predict(raw[holdout]), y[holdout]


def _baseline(f: Fits) -> Scores:
    e = f.encoded
    raw = np.asarray(e.baseline(e.split.train).decision_function(e.X))
    return _calibrated(raw, e.split.valid, raw, f)


VARIANTS: dict[str, Callable[[Fits], Scores]] = {
    "no refit, calibrated on all validation leads": lambda f: _calibrated(
        f.early, f.encoded.split.valid, f.early, f
    ),
    "no refit, calibrated on the newest half of the validation leads": lambda f: _calibrated(
        f.early, f.newest, f.early, f
    ),
    "refit, calibrated in-sample on all validation leads": lambda f: _calibrated(
        f.refit, f.encoded.split.valid, f.refit, f
    ),
    "refit, calibrated in-sample on the newest half": lambda f: _calibrated(
        f.refit, f.newest, f.refit, f
    ),
    SHIPPED: lambda f: _calibrated(f.refit, f.encoded.split.valid, f.early, f),
    "refit, calibrated out-of-sample on the newest half": lambda f: _calibrated(
        f.refit, f.newest, f.early, f
    ),
    "logistic baseline (calibrated on validation)": _baseline,
}


def _measure(seeds: range, drift: bool) -> Results:
    """(ECE, Brier) of every variant on each seed's holdout."""
    out: Results = {name: [] for name in VARIANTS}
    for seed in seeds:
        fits = _fits(generate_leads(ROWS, seed=seed, drift=drift))
        for name, variant in VARIANTS.items():
            p, y = variant(fits)
            out[name].append((expected_calibration_error(y, p), float(brier_score_loss(y, p))))
    return out


def _table(drifting: Results, steady: Results) -> str:
    d_seeds, s_seeds = DRIFT_SEEDS, STEADY_SEEDS
    lines = [
        f"| variant | drifting demo, seeds {d_seeds.start}–{d_seeds.stop - 1}: holdout ECE "
        f"(worst) | Brier | steady demo, seeds {s_seeds.start}–{s_seeds.stop - 1}: ECE | Brier |",
        "|---|---|---|---|---|",
    ]
    for name in VARIANTS:
        d, s = np.asarray(drifting[name]), np.asarray(steady[name])
        cells = (
            f"{d[:, 0].mean():.3f} ({d[:, 0].max():.3f}) | {d[:, 1].mean():.4f} | "
            f"{s[:, 0].mean():.3f} | {s[:, 1].mean():.4f}"
        )
        shown = f"**{name} (shipped)**" if name == SHIPPED else name
        lines.append(f"| {shown} | {cells} |")
    return "\n".join(lines) + "\n"


def _best(results: Results, column: int, worst: bool) -> str:
    """The booster variant with the lowest mean (or worst-seed) ECE or Brier."""
    summary = np.max if worst else np.mean
    values = {n: float(summary(np.asarray(v)[:, column])) for n, v in results.items()
              if "baseline" not in n}  # fmt: skip
    return min(values, key=values.__getitem__)


def _drift_test_runs() -> str:
    """The full training on the drift test's data sets, shipped rule and tuning included."""
    lines = []
    for seed in TEST_SEEDS:
        result = train_scorer(generate_leads(TEST_ROWS, seed=seed, drift=True), demo_spec())
        m, b = result.evaluations["model"], result.evaluations["baseline"]
        rates = result.scorer.card.split["win_rates"]
        lines.append(
            f"| {seed} | {m.ece:.3f} | {m.brier:.4f} | {b.brier:.4f} | "
            f"{result.scorer.card.evaluation['choice']['shipped']} | "
            f"{rates['training']:.0%} / {rates['validation']:.0%} / {rates['holdout']:.0%} |"
        )
    return (
        "| seed | holdout ECE | Brier | baseline Brier | shipped | win rate: training / "
        "validation / holdout |\n|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )


def render(started: str) -> str:
    """docs/calibration.md; ``started``: the load average when the run began."""
    print("calibration variants: drifting demo ...", file=sys.stderr)
    drifting = _measure(DRIFT_SEEDS, drift=True)
    print("calibration variants: steady demo ...", file=sys.stderr)
    steady = _measure(STEADY_SEEDS, drift=False)
    print(f"calibration: the drift test's {TEST_ROWS:,}-lead runs ...", file=sys.stderr)
    runs = _drift_test_runs()
    machine = f"{describe()}. Load average (1/5/15 min) at the start: {started}, at the end: "
    machine += load_average()
    return "\n".join(
        [
            "# Calibration when the win rate moves: which rule ships\n",
            "Written by `make bench-quality` (`python -m benchmarks.calibration` alone); do "
            "not edit by hand.\n",
            "`training/recency.py` ships a booster refitted on training + validation leads "
            "(with the number of trees early stopping found) and a Platt calibration fitted "
            "on the validation leads as scored by the booster that never saw them. This page "
            "is the measurement behind that choice.\n",
            f"Machine: {machine}\n",
            f"Method: demo data of {ROWS:,} leads (`generate_leads({ROWS}, seed, drift=...)`), "
            "the demo spec, the time-ordered split of `leadgrade train` (70 % / 15 % / 15 %), "
            "LightGBM with leadgrade's default parameters (no tuning: the rule is about the "
            "refit and the calibration); every variant measured on the same holdout (about "
            "780 closed leads). Mean over seeds; in brackets the worst seed.\n",
            _table(drifting, steady),
            f"Lowest mean Brier under drift: *{_best(drifting, 1, False)}*; smallest "
            f"worst-case ECE under drift: *{_best(drifting, 0, True)}*; lowest mean Brier "
            f"on the steady demo: *{_best(steady, 1, False)}*. With 780 holdout leads, ECE "
            "over 10 bins of about 80 leads has a noise floor near 0.035 (see "
            "docs/quality.md), so differences of a few thousandths between variants are "
            "noise; the drift test (`tests/training/test_drift.py`) therefore trains on "
            f"{TEST_ROWS:,} drifting leads (about 1,550 closed holdout leads).\n",
            f"## The drift test's data sets ({TEST_ROWS:,} drifting leads)\n",
            "The full training, as `leadgrade train` runs it (LightGBM tuned on validation, "
            "the better of it and the logistic model shipped, the rule above):\n",
            runs,
        ]
    )


def main() -> int:
    DOC.write_text(render(load_average()), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

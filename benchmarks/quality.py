"""Model quality: leadgrade against a logistic-regression baseline, on real and demo leads.

Trains in-process with ``train_scorer`` (no MLflow) on the demo data (steady and with a
moving win rate) and, where ``../shared/data`` exists, on the two real data sets with the
example specs, then writes docs/quality.md, and docs/calibration.md through
:mod:`benchmarks.calibration`. Every model is measured on the same holdout leads (the
newest ones where the data has dates): leadgrade's, the baseline, and two references fitted
on the same split with no tuning, weights or calibration (a plain LightGBM with its default
parameters, a one-hot logistic regression). Differences come with a paired bootstrap 95%
interval, and the calibration error with its noise floor (what a perfectly calibrated model
would score on a holdout of that size), so that a miss by noise is told apart from a real one. Each
data set is then trained a few more times on other splits (rows shuffled, other seeds;
other demo data) to show how much one split's numbers move.

Run with ``make bench-quality`` or ``python -m benchmarks.quality``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from benchmarks import calibration
from benchmarks.machine import describe, load_average
from features.spec import LeadSpec, demo_spec, load_spec
from models.policy import GradePolicy
from training.demo_data import generate_leads
from training.evaluate import Evaluation, evaluate, expected_calibration_error
from training.fit import fit_baseline
from training.pipeline import TrainingResult, encode_split, train_scorer
from training.sources import read_training_data

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DOC = REPO / "docs" / "quality.md"
ECE_TARGET, A_OVER_D_TARGET = 0.03, 3.0
_BOOT, _NOISE_DRAWS, REPEATS = 1000, 200, 5

Loader = Callable[[int], tuple[pd.DataFrame, LeadSpec]]  # run 0 is the canonical one


@dataclass(frozen=True)
class Case:
    name: str
    load: Loader
    needs: Path | None  # a file that must exist to run the case
    note: str  # what to know about the data when reading its numbers


@dataclass(frozen=True)
class Outcome:
    case: Case
    result: TrainingResult
    auc_delta: tuple[float, float, float]  # leadgrade − baseline: estimate, 95% interval
    brier_delta: tuple[float, float, float]
    ece_floor: tuple[float, float]  # a perfectly calibrated model's ECE: mean, 95th pct
    repeats: list[dict[str, Evaluation]]  # runs 1.. on other splits
    references: dict[str, Evaluation]  # plain models fitted on the same split


def _real(spec: str, data: Path) -> Loader:
    def load(run: int) -> tuple[pd.DataFrame, LeadSpec]:
        parsed = load_spec(REPO / "examples" / spec)
        frame = read_training_data(data, parsed).frame
        if run:  # another random split (a time-ordered one only reorders same-day leads)
            frame = frame.sample(frac=1.0, random_state=run).reset_index(drop=True)
        return frame, parsed

    return load


OLIST = SHARED / "olist-marketing-funnel" / "olist_marketing_qualified_leads_dataset.csv"
CASES = [
    Case(
        "demo (6,000 leads, seed 7)",
        lambda run: (generate_leads(6000, seed=7 + run), demo_spec()),
        None,
        "Synthetic B2B leads from `leadgrade demo-data`; time-ordered split.",
    ),
    Case(
        "drifting demo (6,000 leads, seed 7)",
        lambda run: (generate_leads(6000, seed=7 + run, drift=True), demo_spec()),
        None,
        "`leadgrade demo-data --drift`: the win rate rises from about 10 % to about 35 % "
        "over the 18 months, so the holdout (the newest leads) converts far more often than "
        "the training leads; time-ordered split.",
    ),
    Case(
        "X Education (examples/x-education.toml)",
        _real("x-education.toml", SHARED / "x-education" / "Leads.csv"),
        SHARED / "x-education" / "Leads.csv",
        "No dates: stratified random split. Sales-filled columns are feedback or dropped; "
        "the Tags of lost leads weigh them, and 156 leads tagged with an invalid phone "
        "number are left out as data errors.",
    ),
    Case(
        "Olist (examples/olist.toml)",
        _real("olist.toml", OLIST),
        OLIST,
        "Two features only (origin, landing page), both categories, and won = listed in "
        "the closed deals; time-ordered split on first_contact_date. The closed deals "
        "start in Dec 2017, so wins of 2017 leads that closed earlier are missing (the "
        "training warns about it).",
    ),
]


NOTES = """## Reading the misses

- Targets: leadgrade beats the baseline's ROC-AUC and Brier score on every data set;
  ECE ≤ 0.03; A leads convert at least 3× as often as D leads on X Education. The
  drifting demo is held to the drift test's own bound instead (holdout ECE ≤ 0.05, Brier
  no worse than the baseline's; see docs/calibration.md): when the win rate keeps rising
  after the last labelled lead, probabilities lag it, and 0.03 is not reachable.
- **Calibration.** On holdouts of 800–1,400 leads even a perfectly calibrated model
  scores an ECE of 0.02–0.03 (the floor column): the 0.03 target sits at the noise floor,
  and one split's ECE moves by about ±0.005 (see the repeated runs).
- **Olist** offers two features, both categories whose effects add up. A one-hot
  logistic regression is exactly the right shape for that, and boosted trees have nothing
  to add: the two models tie within noise on validation, so the model shipped can be
  either (the logistic model ships when it is ahead on the validation leads).
- **Demo data** is drawn from an additive log-odds model with a few curved terms (head
  count, pages viewed), close to the baseline's own form; single splits of 800 leads
  differ within noise, and the repeated runs show which model is ahead on average.
- **References.** The plain LightGBM ranks below leadgrade on both demo sets (31 leaves,
  100 trees, no early stopping) and, uncalibrated and fitted on older leads,
  is off by an ECE of 0.135 under drift; the plain one-hot logistic regression is close to
  the baseline where the win rate is steady and as far off under drift.
"""


def run_case(case: Case, repeats: int = REPEATS) -> Outcome:
    """Train one case as ``leadgrade train`` would, measure it, then repeat on other splits."""
    frame, spec = case.load(0)
    result = train_scorer(frame, spec, model_name="quality-benchmark")
    again = []
    for run in range(1, repeats):
        frame, spec = case.load(run)
        again.append(train_scorer(frame, spec, params={"seed": run}).evaluations)
    y, p_model = result.curves["leadgrade"]
    _, p_base = result.curves["baseline"]
    return Outcome(
        case=case,
        result=result,
        auc_delta=_paired_bootstrap(y, p_model, p_base, roc_auc_score),
        brier_delta=_paired_bootstrap(y, p_model, p_base, brier_score_loss),
        ece_floor=_ece_floor(p_model),
        repeats=[result.evaluations, *again],
        references=references(*case.load(0)),
    )


def references(frame: pd.DataFrame, spec: LeadSpec) -> dict[str, Evaluation]:
    """A plain LightGBM (default parameters, 100 trees) and a one-hot logistic regression
    (scikit-learn's defaults), fitted on the training + validation leads of the same split
    leadgrade uses, unweighted and uncalibrated, on the same holdout. Grade cut-offs: the
    spec's capacity shares of each model's own validation probabilities."""
    e = encode_split(frame, spec)
    X, y, split = e.X, e.labels.y, e.split
    seen = np.concatenate([split.train, split.valid])
    categorical = e.transformer.categorical_indices_
    data = lgb.Dataset(X[seen], label=y[seen], categorical_feature=categorical)
    plain = lgb.train({"objective": "binary", "verbosity": -1, "seed": 0, "num_threads": 2},
                      data)  # fmt: skip
    logistic = fit_baseline(X[seen], y[seen], np.ones(len(seen)), categorical=categorical)
    models: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "plain LightGBM": lambda rows: np.asarray(plain.predict(X[rows])),
        "one-hot logistic": lambda rows: np.asarray(logistic.predict_proba(X[rows])[:, 1]),
    }
    out = {}
    for name, predict in models.items():
        grades = GradePolicy.from_capacity(predict(split.valid), spec.grades.capacity)
        p = predict(split.holdout)
        out[name] = evaluate(y[split.holdout], p, grades.assign(p))
    return out


def _paired_bootstrap(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, metric: Callable[..., float]
) -> tuple[float, float, float]:
    """metric(a) − metric(b) on the holdout and its 95% paired-bootstrap interval."""
    rng = np.random.default_rng(0)
    deltas = []
    for _ in range(_BOOT):
        i = rng.integers(0, len(y), len(y))
        if 0 < y[i].sum() < len(i):
            deltas.append(metric(y[i], a[i]) - metric(y[i], b[i]))
    low, high = np.percentile(deltas, [2.5, 97.5])
    return float(metric(y, a) - metric(y, b)), float(low), float(high)


def _ece_floor(p: np.ndarray) -> tuple[float, float]:
    """ECE of outcomes drawn from ``p`` itself (a perfectly calibrated model): mean, 95th pct."""
    rng = np.random.default_rng(0)
    draws = [expected_calibration_error(rng.binomial(1, p), p) for _ in range(_NOISE_DRAWS)]
    return float(np.mean(draws)), float(np.percentile(draws, 95))


def render(outcomes: list[Outcome], skipped: list[str], machine: str, repeats: int) -> str:
    """docs/quality.md."""
    parts = [
        "# Model quality\n",
        "Written by `make bench-quality` (`python -m benchmarks.quality`); do not edit by "
        "hand. Each data set is trained with `train_scorer` exactly as `leadgrade train` "
        "would, and every model is measured on the same holdout leads.\n",
        f"Machine: {machine}\n",
        "## Results on the holdout\n",
        _metrics_table(outcomes),
        "References: *plain LightGBM* (LightGBM's default parameters, 100 trees) and a "
        "*one-hot logistic* regression (scikit-learn's defaults on one-hot categories and "
        "imputed, scaled numbers), each fitted on the training + validation leads of the "
        "same split, unweighted and uncalibrated: what leadgrade's tuning, weights and "
        "calibration add. The *baseline* is the logistic regression training compares "
        "with, fitted on the training leads and Platt-calibrated on the validation leads.\n",
        "## The model chosen on validation\n",
        _choice_table(outcomes),
        "## Targets\n",
        _targets_table(outcomes),
        "Intervals: paired bootstrap over the holdout leads, 95%. ECE floor: the ECE a "
        "perfectly calibrated model gets on a holdout of the same size and probabilities "
        "(outcomes drawn from its own probabilities), mean and 95th percentile. A miss is "
        "*within noise* when the interval of the difference spans zero, or when the ECE is "
        "below the floor's 95th percentile.\n",
        f"## Over {repeats} splits\n",
        "The first run above, then the same data set trained on other splits: rows "
        "shuffled before the split and another LightGBM seed (a time-ordered split stays "
        f"almost the same; the demo: other demo data, seeds 7 to {6 + repeats}). Mean ± "
        "standard deviation.\n",
        _repeats_table(outcomes),
        "## About the data\n",
        *[_about(o) for o in outcomes],
        NOTES,
    ]
    if skipped:
        parts.append("## Not run\n\n" + "\n".join(f"- {s}" for s in skipped) + "\n")
    return "\n".join(parts)


def _metrics_table(outcomes: list[Outcome]) -> str:
    head = (
        "| data set | split | labelled (won) | holdout (won) | model | ROC-AUC | PR-AUC "
        "| Brier | ECE | A ÷ D conversion | wins in A+B |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for o in outcomes:
        card = o.result.scorer.card
        shipped = card.evaluation["choice"]["shipped"]
        named = {f"leadgrade ({'LightGBM' if shipped == 'lightgbm' else 'logistic'})":
                 o.result.evaluations["model"], "baseline": o.result.evaluations["baseline"],
                 **o.references}  # fmt: skip
        for label, e in named.items():
            rows.append(
                f"| {o.case.name} | {card.split['method']} | {card.data.labeled:,} "
                f"({card.data.won:,}) | {e.rows:,} ({e.positives:,}) | {label} | "
                f"{_f(e.roc_auc)} | {_f(e.pr_auc)} | {e.brier:.4f} | {e.ece:.3f} | "
                f"{_ratio(e)} | {e.share_of_wins_in_ab:.0%} |"
            )
    return head + "\n".join(rows) + "\n"


def _choice_table(outcomes: list[Outcome]) -> str:
    head = (
        "| data set | metric | LightGBM candidates (validation) | chosen | LightGBM | "
        "logistic | shipped |\n|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for o in outcomes:
        c = o.result.scorer.card.evaluation["choice"]
        tried = ", ".join(
            f"{t['name']} {t['score']:.3f}{'' if t['shippable'] else '*'}"
            for t in c["tuning"]["candidates"]
        )
        rows.append(
            f"| {o.case.name} | {c['metric_label']} | {tried} | {c['tuning']['chosen']} | "
            f"{c['lightgbm']:.4f} | {c['baseline']:.4f} | {c['shipped']} "
            f"(by {c['margin']:.4f}) |"
        )
    return (
        head + "\n".join(rows) + "\n\n* measured, not shippable: LightGBM cannot explain "
        "linear trees (no TreeSHAP).\n"
    )


def _targets_table(outcomes: list[Outcome]) -> str:
    head = (
        "| data set | ROC-AUC − baseline | Brier − baseline | ECE (floor, 95th) | A ÷ D | met |\n"
        "|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(_target_row(o) for o in outcomes) + "\n"


def _repeats_table(outcomes: list[Outcome]) -> str:
    head = (
        "| data set | runs | model | ROC-AUC | Brier | ECE | runs leadgrade beats baseline "
        "(AUC / Brier) |\n|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for o in outcomes:
        for label, key in (("leadgrade", "model"), ("baseline", "baseline")):
            runs = [r[key] for r in o.repeats]
            cells = [_spread([getattr(e, m) or 0.0 for e in runs], d) for m, d in _REPEATED]
            rows.append(f"| {o.case.name} | {len(runs)} | {label} | {' | '.join(cells)} | "
                        f"{_wins(o) if key == 'model' else ''} |")  # fmt: skip
    return head + "\n".join(rows) + "\n"


_REPEATED = (("roc_auc", 3), ("brier", 4), ("ece", 3))


def _spread(values: list[float], digits: int) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def _wins(o: Outcome) -> str:
    auc = sum((r["model"].roc_auc or 0) > (r["baseline"].roc_auc or 0) for r in o.repeats)
    brier = sum(r["model"].brier < r["baseline"].brier for r in o.repeats)
    return f"{auc} / {brier} of {len(o.repeats)}"


def _target_row(o: Outcome) -> str:
    model = o.result.evaluations["model"]
    auc, brier = o.auc_delta, o.brier_delta
    needs_lift = "X Education" in o.case.name
    checks = (  # name, met, within noise
        ("AUC", auc[0] > 0, auc[1] <= 0 <= auc[2]),
        ("Brier", brier[0] < 0, brier[1] <= 0 <= brier[2]),
        ("ECE", model.ece <= ECE_TARGET, model.ece <= o.ece_floor[1]),
        ("A÷D", not needs_lift or (model.a_over_d or 0.0) >= A_OVER_D_TARGET, False),
    )
    misses = [f"{n}{' (within noise)' if noise else ''}" for n, ok, noise in checks if not ok]
    return (
        f"| {o.case.name} | {auc[0]:+.3f} [{auc[1]:+.3f}, {auc[2]:+.3f}] | "
        f"{brier[0]:+.4f} [{brier[1]:+.4f}, {brier[2]:+.4f}] | "
        f"{model.ece:.3f} ({o.ece_floor[0]:.3f}, {o.ece_floor[1]:.3f}) | {_ratio(model)}"
        f"{' (target ≥ 3)' if needs_lift else ''} | "
        f"{'all' if not misses else 'missed: ' + ', '.join(misses)} |"
    )


def _about(o: Outcome) -> str:
    card = o.result.scorer.card
    warnings = "".join(f"\n  - training warned: {w}" for w in card.warnings)
    return f"- **{o.case.name}**: {o.case.note}{warnings}\n"


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ratio(e: Evaluation) -> str:
    return "–" if e.a_over_d is None else f"{e.a_over_d:.1f}×"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=DOC, help="where to write the table")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="splits per data set")
    args = parser.parse_args(argv)
    started = load_average()
    outcomes, skipped = [], []
    for case in CASES:
        if case.needs is not None and not case.needs.is_file():
            skipped.append(f"{case.name}: {case.needs} is absent")
            continue
        print(f"training {case.name} ...", file=sys.stderr)
        outcomes.append(run_case(case, args.repeats))
    machine = f"{describe()}. Load average (1/5/15 min) at the start: {started}, at the end: "
    text = render(outcomes, skipped, machine + load_average(), args.repeats)
    if skipped:
        print(text)
        print(f"{SHARED} is incomplete; {args.out} left as it is", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return calibration.main()


if __name__ == "__main__":
    raise SystemExit(main())

"""Training as named steps: validate → label → split → fit → calibrate → grade → evaluate.

``train_scorer`` knows nothing of MLflow; ``training.tracking`` logs what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.spec import LeadSpec
from features.transform import LeadTransformer
from features.validation import ValidationReport, validate_leads
from models.calibration import ScoreCalibrator
from models.policy import GradePolicy, RoutingPolicy
from models.scorer import LeadScorer
from training.checks import (
    DataChecks,
    check_label_counts,
    check_split_labels,
    outcome_timing_warnings,
)
from training.choice import announce, compare_on_validation, headline
from training.evaluate import Evaluation, evaluate
from training.fit import DEFAULT_PARAMS, fit_baseline, fit_booster, importance_by_field
from training.labels import Labels, make_labels
from training.leakage import LeakageAudit, audit_leakage, check_allowed
from training.loss_reasons import LossReasonResult, fit_loss_reasons
from training.model_card import build_card
from training.recency import ship, win_rate_warnings
from training.report import build_report
from training.split import Split, split_leads
from training.steps import Fitted, Prepared, Tested

Progress = Callable[[str], None]
LABEL_COLUMN = "__label__"


@dataclass
class TrainingResult:
    """Everything a training run produced; ``training.tracking`` logs it to MLflow."""

    scorer: LeadScorer
    evaluations: dict[str, Evaluation]  # "model" and "baseline", on the holdout
    curves: dict[str, tuple[np.ndarray, np.ndarray]]  # (y, p) on the holdout, per model
    holdout: pd.DataFrame  # holdout leads (validated fields) with LABEL_COLUMN
    validation: ValidationReport
    importance: dict[str, float]
    params: dict[str, Any]
    leakage: LeakageAudit  # the audit table, per feature
    loss_reasons: LossReasonResult  # the nurture-track model, its evaluation or why none


def train_scorer(
    data: pd.DataFrame,
    spec: LeadSpec,
    *,
    model_name: str = "leadgrade",
    source: str = "<frame>",
    params: Mapping[str, Any] | None = None,
    checks: DataChecks | None = None,
    progress: Progress = lambda _: None,
) -> TrainingResult:
    """Fit a ``LeadScorer`` on a lead export and evaluate it against a baseline.

    ``checks`` sets the minimum-data rules and the leakage audit's limits; a feature the
    audit flags, or too few won or lost leads, fails the run with a ``DataError``.
    """
    checks = checks or DataChecks()
    check_allowed(spec, checks.allow_leaky)
    prepared = _prepare(data, spec, checks, progress)
    fitted = _fit(prepared, spec, checks, {**DEFAULT_PARAMS, **(params or {})}, progress)
    tested = _evaluate(prepared, fitted, spec, progress)
    scorer = LeadScorer(
        spec=spec,
        transformer=fitted.transformer,
        booster=fitted.shipped.booster,
        calibrator=fitted.shipped.calibrator,
        grades=fitted.grades,
        routing=RoutingPolicy.from_spec(spec.routing),
        card=build_card(model_name, spec, source, prepared, fitted, tested),
        loss_reasons=fitted.loss_reasons.model,
    )
    labels, holdout = prepared.labels, prepared.split.holdout
    model = tested.evaluations["model"]
    scorer.report = build_report(scorer, fitted.X, labels.y, holdout, model, tested.p_model)
    y_hold = labels.y[holdout]
    holdout_frame = labels.frame.iloc[holdout].assign(**{LABEL_COLUMN: y_hold})
    return TrainingResult(
        scorer=scorer,
        evaluations=tested.evaluations,
        curves={"leadgrade": (y_hold, tested.p_model), "baseline": (y_hold, tested.p_base)},
        holdout=holdout_frame.reset_index(drop=True),
        validation=prepared.report,
        importance=fitted.importance,
        params=fitted.params,
        leakage=fitted.leakage,
        loss_reasons=fitted.loss_reasons,
    )


def _prepare(
    data: pd.DataFrame, spec: LeadSpec, checks: DataChecks, progress: Progress
) -> Prepared:
    """Validate → label → split, with the minimum-data and win-rate checks."""
    validated = validate_leads(data, spec)
    for line in validated.report.lines():
        progress(f"warning: {line}")
    labels = make_labels(validated.frame, spec)
    warnings = check_label_counts(labels.won, labels.lost, checks)
    warnings += outcome_timing_warnings(labels.frame, spec, labels.y)
    progress(f"{len(labels.y)} labelled leads: {labels.won} won, {labels.lost} lost")
    for line in warnings:
        progress(f"warning: {line}")
    created = labels.frame[spec.lead.created_at] if spec.lead.created_at else None
    split = split_leads(labels.y, created)
    progress(f"{split.method} split: {split.summary()}")
    parts = {"training": split.train, "validation": split.valid, "holdout": split.holdout}
    check_split_labels(labels.y, parts, split.method)
    warnings += announce(win_rate_warnings(labels.y, parts), progress)
    return Prepared(validated.report, labels, split, parts, warnings)


def _fit(
    prepared: Prepared,
    spec: LeadSpec,
    checks: DataChecks,
    params: dict[str, Any],
    progress: Progress,
) -> Fitted:
    """Transform → booster → leakage audit → loss reasons → refit, calibrate, grade."""
    labels, split = prepared.labels, prepared.split
    transformer = LeadTransformer(spec).fit(labels.frame.iloc[split.train])
    X = transformer.transform(labels.frame)
    names, categorical = transformer.feature_names_out_, transformer.categorical_indices_
    booster = fit_booster(
        X[split.train],
        labels.y[split.train],
        labels.weight[split.train],
        X[split.valid],
        labels.y[split.valid],
        feature_names=names,
        categorical=categorical,
        params=params,
    )
    progress(f"LightGBM stopped at {booster.best_iteration} trees")
    importance = importance_by_field(booster, transformer.sources_)
    leakage = _audit(labels, split, X, transformer, importance, checks, progress)
    prepared.warnings += leakage.warnings()
    loss_reasons = fit_loss_reasons(
        X, labels, split, spec, feature_names=names, categorical=categorical, checks=checks
    )
    progress(loss_reasons.summary())
    prepared.warnings += loss_reasons.warnings
    data = (X, labels.y, labels.weight)
    shipped = ship(
        booster,
        data,
        (split.train, split.valid),
        feature_names=names,
        categorical=categorical,
        params=params,
    )
    progress(
        f"refitted on training + validation leads ({shipped.trees} trees); calibrated on "
        f"the {shipped.calibration_leads} validation leads"
    )
    raw_valid = np.asarray(shipped.booster.predict(X[split.valid], raw_score=True))
    grades = _grade_policy(spec, shipped.calibrator.predict(raw_valid))
    return Fitted(
        transformer, X, params, booster, shipped, grades, importance, leakage, loss_reasons
    )


def _evaluate(prepared: Prepared, fitted: Fitted, spec: LeadSpec, progress: Progress) -> Tested:
    """The shipped model and the baseline on the holdout; the two compared on validation."""
    labels, split, X = prepared.labels, prepared.split, fitted.X
    raw_hold = np.asarray(fitted.shipped.booster.predict(X[split.holdout], raw_score=True))
    p_model = fitted.shipped.calibrator.predict(raw_hold)
    p_base, base_grades, base_valid = _baseline(X, labels, split, fitted.transformer, spec)
    choice = compare_on_validation(
        np.asarray(fitted.booster.predict(X[split.valid], raw_score=True)),
        base_valid,
        labels.y[split.valid],
    )
    progress(choice.summary())
    prepared.warnings += announce(choice.warnings(), progress)
    y_hold = labels.y[split.holdout]
    evaluations = {
        "model": evaluate(y_hold, p_model, fitted.grades.assign(p_model)),
        "baseline": evaluate(y_hold, p_base, base_grades),
    }
    progress(headline(evaluations))
    return Tested(p_model, p_base, evaluations, choice)


def _audit(
    labels: Labels,
    split: Split,
    X: np.ndarray,
    transformer: LeadTransformer,
    importance: dict[str, float],
    checks: DataChecks,
    progress: Progress,
) -> LeakageAudit:
    """The leakage audit on the training leads; fails the run if a feature is flagged."""
    train = split.train
    audit = audit_leakage(
        labels.frame.iloc[train], X[train], labels.y[train], transformer, importance, checks
    )
    audit.raise_if_leaky()
    top = audit.features[0]
    progress(f"leakage audit passed; strongest single feature {top.field!r} (AUC {top.auc})")
    return audit


def _grade_policy(spec: LeadSpec, p_valid: np.ndarray) -> GradePolicy:
    g = spec.grades
    if g.method == "threshold" and g.thresholds is not None:
        return GradePolicy(dict(g.thresholds), "threshold")
    return GradePolicy.from_capacity(p_valid, g.capacity)


def _baseline(
    X: np.ndarray, labels: Labels, split: Split, transformer: LeadTransformer, spec: LeadSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calibrated baseline probabilities and grades on the holdout, chosen like the model's,
    and its raw validation scores (for the comparison with LightGBM)."""
    base = fit_baseline(
        X[split.train],
        labels.y[split.train],
        labels.weight[split.train],
        categorical=transformer.categorical_indices_,
    )
    calibrator = ScoreCalibrator().fit(
        base.decision_function(X[split.valid]), labels.y[split.valid]
    )
    grades = _grade_policy(spec, calibrator.predict(base.decision_function(X[split.valid])))
    p = calibrator.predict(base.decision_function(X[split.holdout]))
    return p, grades.assign(p), np.asarray(base.decision_function(X[split.valid]))

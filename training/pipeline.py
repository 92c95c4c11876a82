"""Training as named steps: validate → label → split → fit (tune LightGBM, fit the logistic
baseline, choose on validation) → calibrate → grade → evaluate on the holdout.

``train_scorer`` knows nothing of MLflow; ``training.tracking`` logs what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from features.spec import LeadSpec
from features.transform import LeadTransformer
from features.validation import ValidationReport, validate_leads
from models.calibration import ScoreCalibrator
from models.linear import LinearModel
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
from training.fit import contribution_importance, fit_baseline, importance_by_field
from training.labels import Labels, make_labels
from training.leakage import LeakageAudit, audit_leakage, check_allowed
from training.loss_reasons import LossReasonResult, fit_loss_reasons
from training.metric import DEFAULT_METRIC, LABELS, Metric
from training.model_card import build_card
from training.recency import ShippedFit, ship, ship_linear, win_rate_warnings
from training.report import build_report
from training.split import Split, split_leads
from training.steps import Fitted, Prepared, Tested
from training.tune import Tuning, tune_booster

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
    metric: Metric = DEFAULT_METRIC,
    progress: Progress = lambda _: None,
) -> TrainingResult:
    """Fit a ``LeadScorer`` on a lead export and evaluate it against a baseline.

    ``checks`` sets the minimum-data rules and the leakage audit's limits; a feature the
    audit flags, or too few won or lost leads, fails the run with a ``DataError``.
    ``metric`` (the promotion gate's) chooses LightGBM's parameters and the model shipped
    on the validation leads; ``params`` fixes LightGBM parameters the tuning then leaves.
    """
    checks = checks or DataChecks()
    check_allowed(spec, checks.allow_leaky)
    prepared = _prepare(data, spec, checks, progress)
    fitted = _fit(prepared, spec, checks, dict(params or {}), metric, progress)
    tested = _evaluate(prepared, fitted, spec, progress)
    scorer = LeadScorer(
        spec=spec,
        transformer=fitted.transformer,
        estimator=fitted.shipped.model,
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


@dataclass(frozen=True)
class Encoded:
    """Labelled leads, their split and the encoded matrix, as training sees them."""

    labels: Labels
    split: Split
    transformer: LeadTransformer
    X: np.ndarray

    def baseline(self, rows: np.ndarray) -> Pipeline:
        """The logistic baseline fitted on the leads ``rows`` (weighted, as training does)."""
        y, weight = self.labels.y[rows], self.labels.weight[rows]
        categorical = self.transformer.categorical_indices_
        return fit_baseline(self.X[rows], y, weight, categorical=categorical)


def encode_split(data: pd.DataFrame, spec: LeadSpec) -> Encoded:
    """The labelled leads split and encoded exactly as :func:`train_scorer` does, for
    models fitted on the same split as references (benchmarks, tests)."""
    return _encode(_prepare(data, spec, DataChecks(), lambda _: None), spec)


def _encode(prepared: Prepared, spec: LeadSpec) -> Encoded:
    """The transform fitted on the training leads; every labelled lead encoded."""
    labels, split = prepared.labels, prepared.split
    transformer = LeadTransformer(spec).fit(labels.frame.iloc[split.train])
    return Encoded(labels, split, transformer, transformer.transform(labels.frame))


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
    metric: Metric,
    progress: Progress,
) -> Fitted:
    """Transform → tuned booster → leakage audit → loss reasons → baseline → choice →
    refit, calibrate, grade."""
    labels, split = prepared.labels, prepared.split
    encoded = _encode(prepared, spec)
    transformer, X = encoded.transformer, encoded.X
    names, categorical = transformer.feature_names_out_, transformer.categorical_indices_
    tuning = _tune(encoded, params, metric, progress)
    booster = tuning.booster
    importance = importance_by_field(booster, transformer.sources_)
    leakage = _audit(labels, split, X, transformer, importance, checks, progress)
    prepared.warnings += leakage.warnings()
    loss_reasons = fit_loss_reasons(
        X, labels, split, spec, feature_names=names, categorical=categorical, checks=checks
    )
    progress(loss_reasons.summary())
    prepared.warnings += loss_reasons.warnings
    baseline = encoded.baseline(split.train)
    choice = compare_on_validation(
        np.asarray(booster.predict(X[split.valid], raw_score=True)),
        np.asarray(baseline.decision_function(X[split.valid])),
        labels.y[split.valid],
        metric,
        tuning.as_dict(),
    )
    progress(choice.summary())
    prepared.warnings += announce(choice.warnings(), progress)
    shipped = _ship(encoded, booster if choice.shipped == "lightgbm" else baseline, tuning)
    progress(shipped.summary())
    if isinstance(shipped.model, LinearModel):  # its own weights, not LightGBM's gain
        importance = contribution_importance(shipped.model, X[split.train], transformer.sources_)
    raw_valid = np.asarray(shipped.model.predict(X[split.valid], raw_score=True))
    grades = _grade_policy(spec, shipped.calibrator.predict(raw_valid))
    return Fitted(transformer, X, tuning.params, booster, baseline, choice, shipped, grades,
                  importance, leakage, loss_reasons)  # fmt: skip


def _tune(encoded: Encoded, params: dict[str, Any], metric: Metric, progress: Progress) -> Tuning:
    """LightGBM's candidates compared on the validation leads (``training.tune``)."""
    t, train = encoded.transformer, encoded.split.train
    data = (encoded.X, encoded.labels.y, encoded.labels.weight)
    tuning = tune_booster(
        data,
        (train, encoded.split.valid),
        feature_names=t.feature_names_out_,
        categorical=t.categorical_indices_,
        params=params,
        metric=metric,
    )
    if tuning.searched_on < len(train):
        progress(f"LightGBM tuned on a sample of {tuning.searched_on:,} of the "
                 f"{len(train):,} training leads")  # fmt: skip
    progress(tuning.summary(LABELS[metric]))
    progress(f"LightGBM stopped at {tuning.booster.best_iteration} trees")
    return tuning


def _ship(encoded: Encoded, chosen: lgb.Booster | Pipeline, tuning: Tuning) -> ShippedFit:
    """The chosen model refitted on training + validation leads and calibrated
    (``training.recency``)."""
    t = encoded.transformer
    data = (encoded.X, encoded.labels.y, encoded.labels.weight)
    parts = (encoded.split.train, encoded.split.valid)
    if isinstance(chosen, Pipeline):
        return ship_linear(chosen, data, parts, categorical=t.categorical_indices_)
    return ship(chosen, data, parts, feature_names=t.feature_names_out_,
                categorical=t.categorical_indices_, params=tuning.params)  # fmt: skip


def _evaluate(prepared: Prepared, fitted: Fitted, spec: LeadSpec, progress: Progress) -> Tested:
    """The shipped model and the baseline (fitted on the training leads) on the holdout."""
    labels, split, X = prepared.labels, prepared.split, fitted.X
    raw_hold = np.asarray(fitted.shipped.model.predict(X[split.holdout], raw_score=True))
    p_model = fitted.shipped.calibrator.predict(raw_hold)
    p_base, base_grades = _baseline(X, labels, split, fitted.baseline, spec)
    y_hold = labels.y[split.holdout]
    evaluations = {
        "model": evaluate(y_hold, p_model, fitted.grades.assign(p_model)),
        "baseline": evaluate(y_hold, p_base, base_grades),
    }
    progress(headline(evaluations))
    return Tested(p_model, p_base, evaluations)


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
    X: np.ndarray, labels: Labels, split: Split, baseline: Pipeline, spec: LeadSpec
) -> tuple[np.ndarray, np.ndarray]:
    """The baseline's calibrated holdout probabilities and grades, calibrated and graded on
    the validation leads."""
    raw_valid = baseline.decision_function(X[split.valid])
    calibrator = ScoreCalibrator().fit(raw_valid, labels.y[split.valid])
    grades = _grade_policy(spec, calibrator.predict(raw_valid))
    p = calibrator.predict(baseline.decision_function(X[split.holdout]))
    return p, grades.assign(p)

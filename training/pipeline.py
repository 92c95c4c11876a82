"""Training as named steps: validate → label → split → fit → calibrate → grade → evaluate.

``train_scorer`` knows nothing of MLflow; ``training.tracking`` logs what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from features.spec import LeadSpec
from features.transform import LeadTransformer
from features.validation import ValidationReport, validate_leads
from models.calibration import ScoreCalibrator
from models.card import DataSummary, ModelCard
from models.drift import reference_distributions
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
from training.loss_reasons import LossReasonResult, fit_loss_reasons, with_loss_reasons
from training.recency import ship, win_rate_warnings, win_rates
from training.report import build_report
from training.split import Split, split_leads

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

    transformer = LeadTransformer(spec).fit(labels.frame.iloc[split.train])
    X = transformer.transform(labels.frame)
    merged_params = {**DEFAULT_PARAMS, **(params or {})}
    booster = fit_booster(
        X[split.train],
        labels.y[split.train],
        labels.weight[split.train],
        X[split.valid],
        labels.y[split.valid],
        feature_names=transformer.feature_names_out_,
        categorical=transformer.categorical_indices_,
        params=merged_params,
    )
    progress(f"LightGBM stopped at {booster.best_iteration} trees")
    importance = importance_by_field(booster, transformer.sources_)
    leakage = _audit(labels, split, X, transformer, importance, checks, progress)
    warnings += leakage.warnings()
    loss_reasons = fit_loss_reasons(
        X,
        labels,
        split,
        spec,
        feature_names=transformer.feature_names_out_,
        categorical=transformer.categorical_indices_,
        checks=checks,
    )
    progress(loss_reasons.summary())
    warnings += loss_reasons.warnings
    shipped = ship(
        booster,
        (X, labels.y, labels.weight),
        (split.train, split.valid),
        feature_names=transformer.feature_names_out_,
        categorical=transformer.categorical_indices_,
        params=merged_params,
    )
    progress(
        f"refitted on training + validation leads ({shipped.trees} trees); calibrated on "
        f"the {shipped.calibration_leads} validation leads"
    )
    calibrator = shipped.calibrator
    raw_valid = np.asarray(shipped.booster.predict(X[split.valid], raw_score=True))
    grades = _grade_policy(spec, calibrator.predict(raw_valid))

    scorer = LeadScorer(
        spec=spec,
        transformer=transformer,
        booster=shipped.booster,
        calibrator=calibrator,
        grades=grades,
        routing=RoutingPolicy.from_spec(spec.routing),
        card=_placeholder_card(),
        loss_reasons=loss_reasons.model,
    )
    p_model = scorer.probabilities(X[split.holdout])
    p_base, base_grades, base_valid = _baseline(X, labels, split, transformer, spec)
    choice = compare_on_validation(
        np.asarray(booster.predict(X[split.valid], raw_score=True)),
        base_valid,
        labels.y[split.valid],
    )
    progress(choice.summary())
    warnings += announce(choice.warnings(), progress)
    y_hold = labels.y[split.holdout]
    evaluations = {
        "model": evaluate(y_hold, p_model, grades.assign(p_model)),
        "baseline": evaluate(y_hold, p_base, base_grades),
    }
    progress(headline(evaluations))
    scorer.card = _card(
        model_name,
        spec,
        source,
        validated.report,
        labels,
        split,
        evaluations,
        grades,
        transformer,
        merged_params,
        booster.best_iteration,
    ).model_copy(update={"warnings": warnings})
    scorer.card.split["win_rates"] = win_rates(labels.y, parts)
    scorer.card.evaluation["choice"] = choice.as_dict()
    holdout_frame = labels.frame.iloc[split.holdout]
    scorer.card.reference = reference_distributions(100 * p_model, holdout_frame, importance)
    scorer.card = with_loss_reasons(scorer.card, loss_reasons)
    scorer.report = build_report(scorer, X, labels.y, split.holdout, evaluations["model"], p_model)
    holdout = labels.frame.iloc[split.holdout].assign(**{LABEL_COLUMN: y_hold})
    return TrainingResult(
        scorer=scorer,
        evaluations=evaluations,
        curves={"leadgrade": (y_hold, p_model), "baseline": (y_hold, p_base)},
        holdout=holdout.reset_index(drop=True),
        validation=validated.report,
        importance=importance,
        params=merged_params,
        leakage=leakage,
        loss_reasons=loss_reasons,
    )


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


def _placeholder_card() -> ModelCard:
    return ModelCard(
        name="",
        spec_name="",
        trained_at=datetime.now(UTC),
        data=DataSummary(source="", rows_read=0, labeled=0, won=0, lost=0),
        split={},
        metrics={},
        grade_method="",
        grade_thresholds={},
        features=[],
        model_columns=[],
        best_iteration=0,
    )


def _card(
    name: str,
    spec: LeadSpec,
    source: str,
    report: ValidationReport,
    labels: Labels,
    split: Split,
    evaluations: dict[str, Evaluation],
    grades: GradePolicy,
    transformer: LeadTransformer,
    params: dict[str, Any],
    best_iteration: int,
) -> ModelCard:
    created = spec.lead.created_at
    window = labels.frame[created] if created else None
    return ModelCard(
        name=name,
        spec_name=spec.name,
        trained_at=datetime.now(UTC),
        data=DataSummary(
            source=source,
            rows_read=report.rows_read,
            rows_rejected=report.rows_rejected,
            labeled=len(labels.y),
            won=labels.won,
            lost=labels.lost,
            excluded=labels.excluded,
            window_start=None if window is None else window.min().to_pydatetime(),
            window_end=None if window is None else window.max().to_pydatetime(),
        ),
        split=split.summary(),
        metrics={k: e.flat_metrics() for k, e in evaluations.items()},
        evaluation={k: e.model_dump() for k, e in evaluations.items()},
        grade_method=grades.method,
        grade_thresholds=dict(grades.thresholds),
        features=spec.feature_fields,
        model_columns=transformer.feature_names_out_,
        params=params,
        best_iteration=best_iteration,
    )

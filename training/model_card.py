"""The model card of a training run, built once from every step's results."""

from __future__ import annotations

from datetime import UTC, datetime

from features.spec import LeadSpec
from models.card import DataSummary, ModelCard
from models.drift import reference_distributions
from training.loss_reasons import with_loss_reasons
from training.recency import win_rates
from training.steps import Fitted, Prepared, Tested


def build_card(
    name: str,
    spec: LeadSpec,
    source: str,
    prepared: Prepared,
    fitted: Fitted,
    tested: Tested,
) -> ModelCard:
    """The model card, built once from every step's results."""
    labels, split, report = prepared.labels, prepared.split, prepared.report
    created = spec.lead.created_at
    window = labels.frame[created] if created else None
    evaluations = tested.evaluations
    holdout_frame = labels.frame.iloc[split.holdout]
    card = ModelCard(
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
        split={**split.summary(), "win_rates": win_rates(labels.y, prepared.parts)},
        metrics={k: e.flat_metrics() for k, e in evaluations.items()},
        evaluation={
            **{k: e.model_dump() for k, e in evaluations.items()},
            "choice": fitted.choice.as_dict(),
        },
        grade_method=fitted.grades.method,
        grade_thresholds=dict(fitted.grades.thresholds),
        features=spec.feature_fields,
        model_columns=fitted.transformer.feature_names_out_,
        params=fitted.params,
        best_iteration=fitted.booster.best_iteration,
        warnings=prepared.warnings,
        reference=reference_distributions(100 * tested.p_model, holdout_frame, fitted.importance),
    )
    return with_loss_reasons(card, fitted.loss_reasons)

"""Build the model report at training time: importance, value tables, grades, calibration.

- **Value tables** count every closed (labelled) lead of the export, unweighted, so a
  rate is what sales really saw. Leads are bucketed exactly as explanations bucket them
  (``models.evidence.bucket_key``): categories as kept by the transform, titles by
  seniority, emails as free-mail or company address, numbers by quantile bins.
- **Importance** is the mean absolute contribution per input field, in score points and
  in log-odds, on the holdout leads (the most recent ones with a time-ordered split).
- **Grades and calibration** are the holdout evaluation's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from features.spec import LeadSpec
from features.transform import TARGET_ACCOUNT_SUFFIX, LeadTransformer
from models.evidence import MISSING, OTHER, UNKNOWN, bucket_key, describe
from models.report import (
    Bucket,
    CalibrationBin,
    FieldImportance,
    FieldStats,
    GradeSummary,
    ModelReport,
    field_label,
)
from models.scorer import LeadScorer
from training.evaluate import Evaluation

NUMERIC_BINS = 5
CALIBRATION_BINS = 10
_COLUMN_SUFFIX = {
    "email": "__free_mail",
    "job_title": "__seniority",
    "company": TARGET_ACCOUNT_SUFFIX,
}
_FIXED_ORDER = {
    "boolean": ["yes", "no", MISSING],
    "email": ["company_email", "free_mail", MISSING],
    "job_title": ["5", "4", "3", "2", "1", "0", UNKNOWN, MISSING],
    "company": ["target", "not_target"],
}


def build_report(
    scorer: LeadScorer,
    X: np.ndarray,
    y: np.ndarray,
    holdout: np.ndarray,
    evaluation: Evaluation,
    p_holdout: np.ndarray,
) -> ModelReport:
    """The report of a fitted scorer; ``X``/``y`` are all labelled leads, encoded."""
    y = np.asarray(y, dtype=float)
    scores = np.round(np.asarray(p_holdout, dtype=float) * 100.0, 1)
    base, contributions, base_tenths, tenths = scorer.explainer().points(X[holdout], scores)
    return ModelReport(
        leads=len(y),
        wins=int(y.sum()),
        base_rate=float(y.mean()),
        base_log_odds=float(base[0]),
        base_points=float(base_tenths[0]) / 10.0,
        evaluated_on="holdout",
        evaluated_leads=len(holdout),
        importance=importance(scorer.spec, contributions, tenths / 10.0),
        fields=field_stats(scorer.spec, scorer.transformer, X, y),
        grades=[GradeSummary.model_validate(row.model_dump()) for row in evaluation.grades],
        calibration=calibration_bins(y[holdout], p_holdout),
    )


def importance(spec: LeadSpec, log_odds: np.ndarray, points: np.ndarray) -> list[FieldImportance]:
    """Mean |contribution| per feature field of the spec, largest first."""
    fields = spec.feature_fields
    mean_points = np.abs(points).mean(axis=0)
    mean_log_odds = np.abs(log_odds).mean(axis=0)
    total = float(mean_points.sum()) or 1.0
    rows = [
        FieldImportance(
            field=f,
            label=field_label(f, spec),
            mean_abs_points=float(mean_points[j]),
            mean_abs_log_odds=float(mean_log_odds[j]),
            share=float(mean_points[j]) / total,
        )
        for j, f in enumerate(fields)
    ]
    return sorted(rows, key=lambda r: (-r.mean_abs_points, -r.mean_abs_log_odds))


def field_stats(
    spec: LeadSpec, transformer: LeadTransformer, X: np.ndarray, y: np.ndarray
) -> dict[str, FieldStats]:
    """Conversion per bucket of every input field."""
    return {
        field: _one_field(field, kind, spec, transformer, X, y)
        for field, kind in spec.feature_kinds.items()
    }


def _one_field(
    field: str,
    kind: str,
    spec: LeadSpec,
    transformer: LeadTransformer,
    X: np.ndarray,
    y: np.ndarray,
) -> FieldStats:
    names = transformer.feature_names_out_
    column_name = field + _COLUMN_SUFFIX.get(kind, "")
    column = names.index(column_name) if column_name in names else None
    aux = f"{field}__function"
    stats = FieldStats(
        field=field,
        label=field_label(field, spec),
        kind=kind,
        column=column,
        aux_column=names.index(aux) if kind == "job_title" and aux in names else None,
        categories=_categories(field, kind, spec, transformer),
        buckets=[],
    )
    if column is None:
        return stats
    if kind == "numeric":
        stats = stats.model_copy(update=numeric_edges(X[:, column]))
    return stats.model_copy(update={"buckets": _buckets(stats, X, y)})


def _categories(field: str, kind: str, spec: LeadSpec, transformer: LeadTransformer) -> list[str]:
    # Values of a personal field are never kept in the model: they all pool into "other".
    if kind != "categorical" or field in spec.privacy.personal:
        return []
    return list(transformer.categories_.get(field, []))


def numeric_edges(values: np.ndarray, bins: int = NUMERIC_BINS) -> dict[str, Any]:
    """Inner quantile edges (each above the minimum, so the first bin is never empty),
    whether the values are whole numbers, and the smallest value."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return {"edges": [], "integral": False, "low": None}
    integral = bool(np.all(present == np.round(present)))
    quantiles = np.quantile(
        present, np.linspace(0, 1, bins + 1)[1:-1], method="nearest" if integral else "linear"
    )
    low = float(present.min())
    edges = sorted({float(q) for q in quantiles if q > low})
    above = present[present > low]
    if not edges and above.size:  # most leads share the lowest value: split it from the rest
        edges = [float(above.min())]
    return {
        "edges": edges,
        "integral": integral,
        "low": low,
    }


def _buckets(stats: FieldStats, X: np.ndarray, y: np.ndarray) -> list[Bucket]:
    leads: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    for row, won in zip(X, y, strict=True):
        key = bucket_key(stats, row)
        if key is not None:
            leads[key] += 1
            wins[key] += int(won)
    out = []
    for key in _order(stats, leads):
        label, phrase = describe(stats, key)
        n = leads[key]
        out.append(
            Bucket(
                key=key,
                label=label,
                phrase=phrase,
                leads=n,
                wins=wins[key],
                conversion=wins[key] / n if n else None,
            )
        )
    return out


def _order(stats: FieldStats, seen: Counter[str]) -> list[str]:
    if stats.kind == "categorical":
        keys = [*stats.categories, OTHER, MISSING]
    elif stats.kind == "numeric":
        keys = [f"bin{i}" for i in range(len(stats.edges) + 1)] + [MISSING]
    else:
        keys = _FIXED_ORDER.get(stats.kind, [])
    return [k for k in keys if seen[k]] + sorted(k for k in seen if k not in keys)


def calibration_bins(
    y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS
) -> list[CalibrationBin]:
    """Observed against predicted conversion in quantile bins of the predictions."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if p.size == 0:
        return []
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    index = np.searchsorted(edges[1:-1], p, side="right")
    out = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            out.append(
                CalibrationBin(
                    predicted=float(p[mask].mean()),
                    observed=float(y[mask].mean()),
                    leads=int(mask.sum()),
                )
            )
    return out

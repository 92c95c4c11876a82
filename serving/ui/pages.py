"""What the two marketing pages show, as plain template contexts (no FastAPI here)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from models.explain import Contribution, top_reason_order
from models.policy import Route
from models.report import ModelReport, field_label
from models.scorer import LeadScorer
from serving.model_source import ServedModel
from serving.ui import charts
from serving.ui.forms import (
    DEFAULT_LEAD_ID,
    JSON_FIELD,
    PREVIOUS_GRADE,
    PREVIOUS_SCORE,
    form_groups,
    read_submission,
)

TOP_REASONS = 3
_EXAMPLES = {
    "email": "jane.doe@example.com",
    "job_title": "Marketing Manager",
    "company": "Example Inc",
}


def lead_context(
    model: ServedModel, form: Mapping[str, str] | None, *, example: bool = False
) -> dict[str, Any]:
    """The lead page: the form (as submitted, for a what-if) and, if valid, the result."""
    scorer = model.loaded.scorer
    spec = scorer.spec
    result, errors = None, {}
    if form is None:
        values = example_values(scorer) if example else {spec.lead.id: DEFAULT_LEAD_ID}
    else:
        submission = read_submission(form, spec, model.request_model)
        values, errors = submission.values, submission.errors
        if submission.record is not None:
            result = lead_result(scorer, submission.record, form)
    return {
        "page": "lead",
        "model": model.info.as_dict(),
        "lead_id_name": spec.lead.id,
        "lead_id": values.get(spec.lead.id, DEFAULT_LEAD_ID),
        "lead_id_error": errors.get(spec.lead.id),
        "groups": form_groups(spec, scorer.transformer, values, errors),
        "json_name": JSON_FIELD,
        "json_text": values.get(JSON_FIELD, ""),
        "json_error": errors.get(JSON_FIELD),
        "errors": list(errors.values()),
        "previous_names": (PREVIOUS_SCORE, PREVIOUS_GRADE),
        "result": result,
        "status": 422 if errors else 200,
    }


def lead_result(
    scorer: LeadScorer, record: dict[str, Any], form: Mapping[str, str]
) -> dict[str, Any]:
    """Grade, score, route, fit, engagement and reasons of one lead, with its what-if delta."""
    score, explanation = scorer.explain_record(record)
    rows = explanation["contributions"]
    reasons = top_reasons(rows, TOP_REASONS)
    chart = charts.diverging_bars(
        [(field_label(r["field"], scorer.spec), r["points"]) for r in reasons],
        "Top reasons, in score points",
    )
    return {
        **score,
        "route_text": route_text(score["route"]),
        "fit": explanation["fit"],
        "engagement": explanation["engagement"],
        "base_points": explanation["base_points"],
        "reasons": reasons,
        "chart": chart,
        "contributions": [{**r, "label": field_label(r["field"], scorer.spec)} for r in rows],
        "previous": previous(form, score["score"]),
    }


def top_reasons(rows: list[Contribution], top: int) -> list[Contribution]:
    return [rows[j] for j in top_reason_order([r["points"] for r in rows], top)]


def route_text(route: Route) -> str:
    if route["queue"] == "sales":
        why = " (target account)" if route["track"] == "target_account" else ""
        return f"Sales{why}: follow up within {route['follow_up_within_hours']} hours"
    return f"Marketing nurture, track '{route['track']}'"


def previous(form: Mapping[str, str], score: float) -> dict[str, Any] | None:
    """The score before this submission (for a what-if), if the form carried one."""
    try:
        before = float(form.get(PREVIOUS_SCORE, ""))
    except ValueError:
        return None
    return {
        "score": before,
        "grade": form.get(PREVIOUS_GRADE, ""),
        "delta": round(score - before, 1),
    }


def example_values(scorer: LeadScorer) -> dict[str, str]:
    """A typical lead to start from: the most common category, a middle bin, no flags."""
    spec, report = scorer.spec, scorer.report
    values = {spec.lead.id: DEFAULT_LEAD_ID}
    for name, kind in spec.feature_kinds.items():
        if kind == "categorical" and name not in spec.privacy.personal:
            kept = getattr(scorer.transformer, "categories_", {}).get(name, [])
            values[name] = kept[0] if kept else ""
        elif kind == "numeric" and report is not None and report.fields[name].edges:
            edges = report.fields[name].edges
            values[name] = f"{edges[len(edges) // 2]:g}"
        elif kind == "boolean":
            values[name] = "no"
        elif kind in _EXAMPLES:
            values[name] = _EXAMPLES[kind]
    return values


def model_context(model: ServedModel) -> dict[str, Any]:
    """The model page: identity, training window, metrics and, if present, the report."""
    scorer = model.loaded.scorer
    card, report = scorer.card, scorer.report
    metrics = card.metrics.get("model", {})
    return {
        "page": "model",
        "model": model.info.as_dict(),
        "trained_at": _when(card.trained_at, "%Y-%m-%d %H:%M UTC"),
        "window": (_when(card.data.window_start), _when(card.data.window_end)),
        "data": card.data,
        "roc_auc": metrics.get("roc_auc"),
        "baseline_auc": card.metrics.get("baseline", {}).get("roc_auc"),
        "choice": card.evaluation.get("choice"),
        "report": report,
        **(report_charts(report) if report is not None else {}),
        "status": 200,
    }


def report_charts(report: ModelReport) -> dict[str, Any]:
    importance = charts.bars(
        [(r.label, r.mean_abs_points, f"{r.mean_abs_points:.1f} pts") for r in report.importance],
        "Mean effect on the score per field, in points",
    )
    grades = charts.columns(
        [(f"Grade {g.grade}", g.conversion) for g in report.grades],
        _overall(report),
        "Conversion by grade",
    )
    points = [(b.predicted, b.observed) for b in report.calibration]
    tables = [(report.fields[r.field], r) for r in report.importance if r.field in report.fields]
    return {
        "importance_chart": importance,
        "grade_chart": grades,
        "calibration_chart": charts.calibration(points, "Observed against predicted conversion"),
        "value_tables": [(stats, row) for stats, row in tables if stats.buckets],
    }


def _overall(report: ModelReport) -> float | None:
    leads = sum(g.leads for g in report.grades)
    return sum(g.wins for g in report.grades) / leads if leads else None


def _when(moment: datetime | None, fmt: str = "%Y-%m-%d") -> str | None:
    return None if moment is None else moment.strftime(fmt)

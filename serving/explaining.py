"""Explaining and reporting as plain functions (no FastAPI): reasons, full contributions, report."""

from __future__ import annotations

from typing import Any

from models.report import ModelReport
from models.scorer import LeadScorer
from serving.errors import InvalidRequest, ReportUnavailable
from serving.model_source import ServedModel
from serving.scoring import parse_leads


def explain_leads(
    records: list[dict[str, Any]], model: ServedModel, top: int
) -> list[dict[str, Any]]:
    """Score validated leads with their top reasons up and down, fit and engagement."""
    ref = model.info.as_dict()
    pairs = model.loaded.scorer.explain_records(records, top=top)
    return [{**score, **reasons, "model": ref} for score, reasons in pairs]


def explain_lead(body: Any, model: ServedModel) -> dict[str, Any]:
    """Every field's contribution to one lead's score (the body must be one lead object)."""
    if isinstance(body, list):
        raise InvalidRequest("send one lead object: this endpoint explains one lead")
    records, _ = parse_leads(body, model, max_batch=1)
    score, explanation = model.loaded.scorer.explain_record(records[0])
    return {**score, "model": model.info.as_dict(), **explanation}


def model_report(model: ServedModel) -> dict[str, Any]:
    """The report stored in the served model, with the model's identity and training window."""
    scorer = model.loaded.scorer
    return {
        "model": model.info.as_dict(),
        **training_window(scorer),
        "report": require_report(scorer).model_dump(mode="json"),
    }


def training_window(scorer: LeadScorer) -> dict[str, Any]:
    card = scorer.card
    return {
        "trained_at": card.trained_at,
        "window_start": card.data.window_start,
        "window_end": card.data.window_end,
    }


def require_report(scorer: LeadScorer) -> ModelReport:
    """The model's report; 404 for a model trained before reports existed."""
    if scorer.report is None:
        raise ReportUnavailable(
            "this model was trained before model reports existed: retrain it to get one",
        )
    return scorer.report

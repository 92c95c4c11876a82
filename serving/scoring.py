"""Scoring as a plain function: validate raw JSON against the model's schema, then score."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from models.scorer import LeadScore
from serving.errors import BatchTooLarge, InvalidRequest, validation_error
from serving.model_source import ServedModel


def parse_leads(body: Any, model: ServedModel, max_batch: int) -> tuple[list[dict[str, Any]], bool]:
    """Validated lead dicts, and whether the body was a list (a batch)."""
    is_batch = isinstance(body, list)
    if is_batch and not body:
        raise InvalidRequest("the batch is empty: send at least one lead")
    if is_batch and len(body) > max_batch:
        raise BatchTooLarge(
            f"{len(body)} leads in one request; the limit is {max_batch}",
            limit=max_batch,
            received=len(body),
        )
    if not is_batch and not isinstance(body, dict):
        raise InvalidRequest("the body must be a lead object or a list of leads")
    try:
        if is_batch:
            leads = model.batch_adapter.validate_python(body)
        else:
            leads = [model.request_model.model_validate(body)]
    except ValidationError as exc:
        raise validation_error(exc) from exc
    records = [lead.model_dump() for lead in leads]
    _no_repeated_ids(records, model.loaded.scorer.spec.lead.id)
    return records, is_batch


def _no_repeated_ids(records: list[dict[str, Any]], id_field: str) -> None:
    """One lead once per batch: a repeat would be scored and stored twice for one answer."""
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        first = seen.setdefault(record[id_field], index)
        if first != index:
            raise InvalidRequest(
                f"{index}.{id_field}: the lead id {record[id_field]!r} is also lead {first} "
                "of this batch; send each lead once",
                errors=[
                    {
                        "field": f"{index}.{id_field}",
                        "message": "repeats an earlier lead id of this batch",
                        "type": "duplicate",
                    }
                ],
            )


def score_leads(records: list[dict[str, Any]], model: ServedModel) -> list[dict[str, Any]]:
    """Score validated leads and attach the model's identity to each result."""
    ref = model.info.as_dict()
    results: list[LeadScore] = model.loaded.scorer.score_records(records)
    return [{**r, "model": ref} for r in results]

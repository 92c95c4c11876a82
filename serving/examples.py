"""Real payloads for the OpenAPI document, so /docs and generated clients show them.

The lead example follows the served spec: the demo spec's fields get demo values, any
other field a value of its kind. The answers are as the demo model gives them.
"""

from __future__ import annotations

from typing import Any

from features.spec import LeadSpec

_DEMO_VALUES: dict[str, Any] = {
    "created_at": "2026-03-02T09:30:00Z",
    "industry": "Software",
    "country": "United States",
    "lead_source": "webinar",
    "campaign": "spring_launch",
    "employees": 400,
    "pages_viewed": 12,
    "email_clicks": 3,
    "days_since_last_activity": 2,
    "demo_requested": True,
    "webinar_attended": True,
    "email": "ann.smith@hooli.com",
    "job_title": "VP Marketing",
    "company": "Hooli",
}
_BY_KIND: dict[str, Any] = {
    "categorical": "example",
    "numeric": 10,
    "boolean": False,
    "email": "jane.doe@example.com",
    "job_title": "Marketing Manager",
    "company": "Example Inc",
}


def example_lead(spec: LeadSpec, lead_id: str = "L-1001") -> dict[str, Any]:
    """A lead as ``spec`` expects it: the id, the creation time and every feature field."""
    lead: dict[str, Any] = {spec.lead.id: lead_id}
    if spec.lead.created_at:
        lead[spec.lead.created_at] = _DEMO_VALUES["created_at"]
    for name, kind in spec.feature_kinds.items():
        lead[name] = _DEMO_VALUES.get(name, _BY_KIND[kind])
    return lead


MODEL = {"name": "leadgrade", "version": "3", "run_id": "b3fe22d09bd5491c8e2c96038884ecaf"}
SCORE: dict[str, Any] = {
    "lead_id": "L-1001",
    "score": 94.8,
    "probability": 0.948,
    "grade": "A",
    "route": {"queue": "sales", "follow_up_within_hours": 24, "track": None, "re_engage_on": None},
    "model": MODEL,
}
REASONS: list[dict[str, Any]] = [
    {
        "field": "demo_requested",
        "value": True,
        "points": 19.2,
        "sentence": "Demo requested (+19): leads where demo requested is yes converted 44 % "
        "of the time, against 21 % overall.",
    },
    {
        "field": "job_title",
        "value": "VP Marketing",
        "points": 15.9,
        "sentence": "Job title 'VP Marketing' (+16): leads with vice-president titles "
        "converted 37 % of the time, against 21 % overall.",
    },
]
SCORE_EXPLAINED: dict[str, Any] = {**SCORE, "reasons": REASONS, "fit": 31.5, "engagement": 40.2}
NURTURE_SCORE: dict[str, Any] = {
    **SCORE,
    "lead_id": "L-1002",
    "score": 8.1,
    "probability": 0.081,
    "grade": "D",
    "route": {
        "queue": "nurture",
        "follow_up_within_hours": None,
        "track": "re_engage_later",
        "re_engage_on": "2026-06-01",
    },
}
BATCH: dict[str, Any] = {"scores": [SCORE, NURTURE_SCORE]}

OUTCOME_LOST: dict[str, Any] = {
    "outcome": "lost",
    "reason": "Not the right moment",
    "rating": 3,
    "note": "Budget frozen until Q3",
    "occurred_at": "2026-03-20T15:00:00Z",
}
OUTCOME_WON: dict[str, Any] = {"outcome": "won", "occurred_at": "2026-04-02T11:00:00Z"}
OUTCOME_RECEIPT: dict[str, Any] = {
    "event_id": 42,
    "lead_id": "L-1001",
    **OUTCOME_LOST,
    "canonical_reason": "bad_timing",
    "recorded_at": "2026-03-20T15:00:02Z",
    "replayed": False,
}


def _error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


ERRORS: dict[str, dict[str, Any]] = {
    "invalid_request": _error(
        "invalid_request",
        "employees: Input should be a valid number, unable to parse string as a number",
        errors=[
            {
                "field": "employees",
                "message": "Input should be a valid number, unable to parse string as a number",
                "type": "float_parsing",
            }
        ],
    ),
    "unknown_field": _error(
        "invalid_request",
        "status: Extra inputs are not permitted",
        errors=[
            {
                "field": "status",
                "message": "Extra inputs are not permitted",
                "type": "extra_forbidden",
            }
        ],
    ),
    "idempotency_conflict": _error(
        "idempotency_conflict",
        "idempotency key 'crm-4711' was already used for a different request (event 42); "
        "send the same body to retry, or use a new key for a new event",
        idempotency_key="crm-4711",
        event_id=42,
    ),
    "batch_too_large": _error(
        "batch_too_large", "1200 leads in one request; the limit is 1000", limit=1000, received=1200
    ),
    "unauthorized": _error(
        "unauthorized", "this endpoint needs an API key: send 'Authorization: Bearer <key>'"
    ),
    "forbidden": _error(
        "forbidden",
        "the key of 'website' lacks the role this needs (admin or crm)",
        needs=["admin", "crm"],
    ),
    "payload_too_large": _error(
        "payload_too_large",
        "the request body is larger than the limit of 1048576 bytes",
        limit=1048576,
    ),
    "rate_limited": _error(
        "rate_limited", "more than 600 requests per minute from 'crm'; retry in 2 s", retry_after=2
    ),
    "lead_not_found": _error(
        "lead_not_found",
        "lead 'L-9999' was never scored, so an outcome cannot be recorded for it; "
        "score it first (POST /v1/leads/score)",
        lead_id="L-9999",
    ),
    "unknown_dimension": _error(
        "invalid_request",
        "by: 'region' is not a funnel dimension; use campaign, source, grade, month",
        errors=[
            {
                "field": "by",
                "message": "'region' is not a funnel dimension; use campaign, source, grade, month",
                "type": "value_error",
            }
        ],
    ),
    "invalid_outcome": _error(
        "invalid_request",
        "outcome: Input should be 'won', 'lost' or 'disqualified'",
        errors=[
            {
                "field": "outcome",
                "message": "Input should be 'won', 'lost' or 'disqualified'",
                "type": "literal_error",
            }
        ],
    ),
    "model_refused": _error(
        "model_refused",
        "version 4 was refused: its request schema differs from the running model's",
        model=MODEL,
        alias_version="4",
        degraded=True,
        last_error="version 4 was refused: its request schema differs from the running model's",
        schema_change=None,
    ),
    "report_unavailable": _error(
        "report_unavailable",
        "this model was trained before model reports existed: retrain it to get one",
    ),
    "model_unavailable": _error(
        "model_unavailable", "no model is being served from models:/leadgrade@champion"
    ),
    "store_unavailable": _error(
        "store_unavailable",
        "the lead store failed while storing the scores, so no score was returned and none "
        "was stored; retry later",
        error="OperationalError",
    ),
}
# Component schema → its JSON Schema `examples`.
SCHEMA_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "ScoreOut": [SCORE, SCORE_EXPLAINED],
    "ScoreBatchOut": [BATCH],
    "OutcomeIn": [OUTCOME_LOST, OUTCOME_WON],
    "OutcomeReceipt": [OUTCOME_RECEIPT],
    "ErrorOut": [ERRORS["invalid_request"]],
}
# operationId → status (or "request") → named payloads (the media type's `examples`).
OPERATION_EXAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "scoreLead": {"200": {"scored": SCORE, "explained": SCORE_EXPLAINED}},
    "scoreLeads": {"200": {"batch": BATCH}},
    "postOutcome": {
        "request": {"lost": OUTCOME_LOST, "won": OUTCOME_WON},
        "201": {"stored": OUTCOME_RECEIPT},
        "200": {"replayed": {**OUTCOME_RECEIPT, "replayed": True}},
    },
}
# Error examples by status, unless the operation has its own below.
ERRORS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "401": ("unauthorized",),
    "409": ("model_refused",),
    "403": ("forbidden",),
    "404": ("lead_not_found",),
    "413": ("payload_too_large",),
    "429": ("rate_limited",),
    "422": ("invalid_request", "unknown_field"),
    "503": ("model_unavailable", "store_unavailable"),
}
_MODEL_ONLY: dict[str, tuple[str, ...]] = {"503": ("model_unavailable",)}
_STORE_ONLY: dict[str, tuple[str, ...]] = {"503": ("store_unavailable",)}
_BATCH: dict[str, tuple[str, ...]] = {"413": ("payload_too_large", "batch_too_large")}
OPERATION_ERRORS: dict[str, dict[str, tuple[str, ...]]] = {
    "scoreLead": _BATCH,
    "scoreLeads": _BATCH,
    "getReadiness": _MODEL_ONLY,
    "getModel": _MODEL_ONLY,
    "getModelReport": {"404": ("report_unavailable",), **_MODEL_ONLY},
    "explainLead": _MODEL_ONLY,
    "postOutcome": {"422": ("invalid_outcome", "idempotency_conflict"), **_STORE_ONLY},
    "getLead": _STORE_ONLY,
    "getFunnel": {"422": ("unknown_dimension",), **_STORE_ONLY},
    "getOverdue": _STORE_ONLY,
}

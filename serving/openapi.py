"""The OpenAPI document: the loaded model's own lead schema, readable names, one error shape.

The served document (``/openapi.json``) and the committed one (``docs/openapi.json``,
written by ``make openapi`` for the demo spec) come from :func:`contract_document`, so a
test can hold one against the other.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from features.request import DateBounds, build_request_model
from features.spec import LeadSpec
from serving import examples
from serving.model_source import ModelSource

REF_TEMPLATE = "#/components/schemas/{model}"
LEAD_SCHEMA = "Lead"
ERROR_SCHEMA = "ErrorOut"
# FastAPI documents its own 422 body; this service answers every error in the one shape.
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")

# Value sets that recur across operations, each one named schema: a generated client then
# has one Grade type, rather than ScoreOutGrade, ScoreRecordGrade, OverdueLeadGrade, ...
NAMED_ENUMS: dict[str, dict[str, Any]] = {
    "Grade": {"enum": ["A", "B", "C", "D"], "description": "A, B: sales; C, D: nurture"},
    "Outcome": {
        "enum": ["won", "lost", "disqualified", "accepted", "opportunity"],
        "description": "an outcome (won, lost, disqualified) or a stage (accepted, opportunity)",
    },
    "Period": {"enum": ["week", "month", "quarter"], "description": "calendar periods, UTC"},
    "Dimension": {
        "enum": ["campaign", "source", "grade", "month"],
        "description": "what the funnel groups leads by",
    },
}
TAGS: list[dict[str, Any]] = [
    {"name": "scoring", "description": "The CRM grades new leads: grade, route and reasons."},
    {"name": "feedback", "description": "The CRM reports what sales did with a lead."},
    {"name": "reports", "description": "Marketing reads how leads fare, from the lead store."},
    {"name": "model", "description": "What the served model is and what drives its grades."},
    {"name": "admin", "description": "Operators manage keys, models and stored data."},
    {"name": "operations", "description": "Probes for load balancers and orchestrators."},
]


def operation_id(route: APIRoute) -> str:
    """The route function's name in camelCase (``post_outcome`` → ``postOutcome``).

    Short, stable and the same in every generated client; FastAPI's default appends the
    path and method (``post_outcome_v1_leads__lead_id__outcome_post``).
    """
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def install_openapi(app: FastAPI, source: ModelSource) -> None:
    """Generate the document per request, with the current model's lead in the score bodies."""

    def openapi() -> dict[str, Any]:
        spec = source.current.loaded.scorer.spec if source.ready else None
        return contract_document(app, spec, source.dates)

    app.openapi = openapi  # type: ignore[method-assign]


def contract_document(
    app: FastAPI, spec: LeadSpec | None, dates: DateBounds | None = None
) -> dict[str, Any]:
    """The OpenAPI document of ``app``, with ``spec``'s lead (none: the body stays open),
    its dates within ``dates`` (default: the settings in the environment)."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
    )
    _one_error_shape(document)
    if spec is not None:
        _inject_lead_schema(document, build_request_model(spec, dates), spec)
    for operation in _operations(document):
        # Without a model the lead bodies stay open: their shape is the model's.
        operation.pop("x-lead-schema", None)
    _add_examples(document)
    _no_null_defaults_in_bodies(document)
    _name_enums(document)
    return document


def _inject_lead_schema(
    document: dict[str, Any], request_model: type[BaseModel], spec: LeadSpec
) -> None:
    lead = request_model.model_json_schema(ref_template=REF_TEMPLATE)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(lead.pop("$defs", {}))
    lead["title"] = LEAD_SCHEMA
    one = examples.example_lead(spec)
    batch = [one, examples.example_lead(spec, "L-1002")]
    lead["examples"] = [one]
    components[LEAD_SCHEMA] = lead
    ref = {"$ref": REF_TEMPLATE.format(model=LEAD_SCHEMA)}
    for operation in _operations(document):
        shape = operation.pop("x-lead-schema", None)
        if shape is None:
            continue
        schema = {"type": "array", "items": ref, "minItems": 1} if shape == "batch" else ref
        body = operation["requestBody"]["content"]["application/json"]
        body["schema"] = {**schema, **_described(body.get("schema", {}))}
        body["examples"] = _named({"batch": batch} if shape == "batch" else {"lead": one})


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: schema[key] for key in ("description", "maxItems", "minItems") if key in schema}


def _add_examples(document: dict[str, Any]) -> None:
    """Real payloads for schemas, bodies and answers, nulls included.

    Added here rather than on the models and routes because FastAPI drops every null from
    the document (``exclude_none``), and a score's ``"track": null`` is part of the answer.
    """
    components = document.get("components", {}).get("schemas", {})
    for name, shown in examples.SCHEMA_EXAMPLES.items():
        if name in components:
            components[name]["examples"] = shown
    for operation in _operations(document):
        op_id = operation.get("operationId", "")
        payloads = examples.OPERATION_EXAMPLES.get(op_id, {})
        if "request" in payloads:
            body = operation["requestBody"]["content"]["application/json"]
            body["examples"] = _named(payloads["request"])
        for status, response in operation.get("responses", {}).items():
            content = response.get("content", {}).get("application/json")
            if content is None:
                continue
            if status in payloads:
                content["examples"] = _named(payloads[status])
            elif content.get("schema", {}).get("$ref", "").endswith(f"/{ERROR_SCHEMA}"):
                chosen = examples.OPERATION_ERRORS.get(op_id, {}).get(status)
                names = chosen or examples.ERRORS_BY_STATUS.get(status, ())
                content["examples"] = _named({n: examples.ERRORS[n] for n in names})


def _no_null_defaults_in_bodies(document: dict[str, Any]) -> None:
    """Drop ``"default": null`` from the fields of request bodies: not required says it.

    openapi-typescript types a field with a default as always present, which would make a
    CRM send every optional lead field; absent and null mean the same here.
    """
    components = document.get("components", {}).get("schemas", {})
    for operation in _operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = body.get("schema", {})
        ref = schema.get("items", schema).get("$ref", "")
        for field in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}).values():
            if "default" in field and field["default"] is None:
                del field["default"]


def _name_enums(document: dict[str, Any]) -> None:
    """Point every inline copy of a :data:`NAMED_ENUMS` value set at its one named schema."""
    by_values = {tuple(enum["enum"]): name for name, enum in NAMED_ENUMS.items()}
    used: set[str] = set()

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        name = by_values.get(tuple(node.get("enum", ())))
        if name is not None and node.get("type") == "string":
            used.add(name)
            kept = {k: node[k] for k in ("description", "default") if k in node}
            return {"$ref": REF_TEMPLATE.format(model=name), **kept}
        return {key: visit(value) for key, value in node.items()}

    document["paths"] = visit(document.get("paths", {}))
    components = document.setdefault("components", {})
    components["schemas"] = visit(components.get("schemas", {}))
    for name in sorted(used):
        components["schemas"][name] = {"type": "string", "title": name, **NAMED_ENUMS[name]}


def _named(payloads: dict[str, Any]) -> dict[str, Any]:
    return {name: {"value": value} for name, value in payloads.items()}


def _one_error_shape(document: dict[str, Any]) -> None:
    """Point FastAPI's default 422 answers at the one error shape and drop its schemas."""
    error = {"$ref": REF_TEMPLATE.format(model=ERROR_SCHEMA)}
    for operation in _operations(document):
        invalid = operation.get("responses", {}).get("422")
        if invalid is None:
            continue
        content = invalid.get("content", {}).get("application/json", {})
        if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
            invalid["description"] = "Invalid request: `error.details.errors` names each field"
            content["schema"] = error
    components = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_422:
        components.pop(name, None)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in document.get("paths", {}).values() for op in path.values()]


def document_text(app: FastAPI, spec: LeadSpec) -> str:
    """The document ``app`` answers when it serves a model of ``spec``, as committed JSON text.

    The caller builds the app (``serving.app.create_app``), so that this module, which the
    app imports, does not import the app back.
    """
    document = contract_document(app, spec)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

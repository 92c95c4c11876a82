"""OpenAPI that shows the loaded model's own lead schema (it changes when the model does)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from serving.model_source import ModelSource

REF_TEMPLATE = "#/components/schemas/{model}"


def install_openapi(app: FastAPI, source: ModelSource) -> None:
    """Generate the schema per request, with the current model's lead in the score body."""

    def openapi() -> dict[str, Any]:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        if source.ready:
            _inject_lead_schema(
                schema, source.current.request_model.model_json_schema(ref_template=REF_TEMPLATE)
            )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _inject_lead_schema(schema: dict[str, Any], lead: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(lead.pop("$defs", {}))
    name = lead.get("title", "Lead")
    components[name] = lead
    ref = {"$ref": REF_TEMPLATE.format(model=name)}
    body = {"oneOf": [ref, {"type": "array", "items": ref}]}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if operation.pop("x-lead-schema", False):
                operation["requestBody"]["content"]["application/json"]["schema"] = body

"""Request models built from a spec, so the API accepts exactly the fields the model knows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from features.spec import LeadSpec

_TYPES: dict[str, Any] = {
    "numeric": Annotated[float | None, Field(default=None, allow_inf_nan=False)],
    "boolean": Annotated[bool | None, Field(default=None)],
}
_TEXT = Annotated[str | None, Field(default=None, max_length=1000)]
_ANSWER = Annotated[str, Field(max_length=1000)]


class LeadBase(BaseModel):
    """Unknown fields are an error; numbers sent for text fields are read as text."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


def build_request_model(spec: LeadSpec) -> type[LeadBase]:
    """A pydantic model with the lead id (required) and every feature field (optional).

    Fields the spec drops are accepted and ignored, so a CRM may send its whole record;
    outcome and sales-feedback fields are rejected: they are not known when a lead arrives.
    """
    fields: dict[str, Any] = {
        spec.lead.id: Annotated[str, Field(min_length=1, max_length=200)],
    }
    if spec.lead.created_at:
        fields[spec.lead.created_at] = Annotated[datetime | None, Field(default=None)]
    for name, kind in spec.feature_kinds.items():
        fields[name] = _TYPES.get(kind, _TEXT)
        if name in spec.features.boolean_values:  # the spec's own answers, e.g. "unknown"
            fields[name] = Annotated[bool | _ANSWER | None, Field(default=None)]
    for name in spec.features.drop:
        fields[name] = Annotated[Any, Field(default=None, description="accepted and ignored")]
    model = create_model(f"Lead_{_identifier(spec.name)}", __base__=LeadBase, **fields)
    model.__doc__ = f"A lead as the '{spec.name}' model expects it. Absent fields are missing."
    return model


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text) or "lead"

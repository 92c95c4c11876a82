"""The lead form: built from the model's spec, read back into a validated lead.

A submission is either the form's fields or a lead pasted as JSON; both go through the
model's own request schema, and every problem becomes a sentence a marketer can act on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from features.spec import LeadSpec
from features.transform import LeadTransformer
from models.report import field_label

JSON_FIELD = "__json"
PREVIOUS_SCORE, PREVIOUS_GRADE = "__previous_score", "__previous_grade"
DEFAULT_LEAD_ID = "ui-lead"
_INPUTS = {"numeric": "number", "boolean": "select", "email": "email"}
_PLAIN = {
    "float_parsing": "must be a number, such as 250",
    "float_type": "must be a number, such as 250",
    "finite_number": "must be an ordinary number",
    "bool_parsing": "must be yes or no",
    "bool_type": "must be yes or no",
    "string_too_long": "is too long",
    "string_too_short": "cannot be empty",
    "string_type": "must be text",
    "extra_forbidden": "is not a field this model knows",
    "missing": "is required",
    "datetime_parsing": "must be a date and time, such as 2026-03-01T09:30",
    "datetime_from_date_parsing": "must be a date and time, such as 2026-03-01T09:30",
}
_GROUP_TITLES = {"fit": "Who the lead is (fit)", "engagement": "What the lead did (engagement)"}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    input: str  # "text", "number", "email" or "select"
    value: str
    options: tuple[str, ...] = ()  # suggestions (text) or choices (select)
    error: str | None = None


@dataclass(frozen=True)
class FieldGroup:
    title: str
    fields: list[FormField]


@dataclass
class Submission:
    """What was sent, as text for the form, and the validated lead when it is valid."""

    values: dict[str, str]
    record: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def form_groups(
    spec: LeadSpec,
    transformer: LeadTransformer,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> list[FieldGroup]:
    """The feature fields in fieldsets, by spec group (fit, engagement), then the rest."""
    kinds = spec.feature_kinds
    grouped = [(name, members) for name, members in spec.features.groups.items() if members]
    seen = {f for _, members in grouped for f in members}
    rest = [f for f in kinds if f not in seen]
    sections = [(_GROUP_TITLES.get(n, field_label(n)), m) for n, m in grouped]
    if rest:
        sections.append(("Other fields" if grouped else "Lead", rest))
    return [
        FieldGroup(title, [_field(f, kinds[f], spec, transformer, values, errors) for f in members])
        for title, members in sections
    ]


def _field(
    name: str,
    kind: str,
    spec: LeadSpec,
    transformer: LeadTransformer,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> FormField:
    options: tuple[str, ...] = ()
    if kind == "boolean":
        options = ("", "yes", "no")
    elif kind == "categorical" and name not in spec.privacy.personal:
        options = tuple(getattr(transformer, "categories_", {}).get(name, []))
    return FormField(
        name=name,
        label=field_label(name, spec),
        input=_INPUTS.get(kind, "text"),
        value=values.get(name, ""),
        options=options,
        error=errors.get(name),
    )


def read_submission(form: Mapping[str, str], spec: LeadSpec, schema: type[BaseModel]) -> Submission:
    """Validate a submitted form (or the lead pasted as JSON) against the model's schema."""
    pasted = form.get(JSON_FIELD, "").strip()
    if pasted:
        raw, problem = _parse_json(pasted)
        if problem:
            fields = {f: form.get(f, "").strip() for f in _form_names(spec)}
            return Submission({**fields, JSON_FIELD: pasted}, errors={JSON_FIELD: problem})
    else:
        kinds = spec.feature_kinds
        raw = {
            f: _typed(v, kinds.get(f, "text"))
            for f in _form_names(spec)
            if (v := form.get(f, "").strip())
        }
    raw.setdefault(spec.lead.id, DEFAULT_LEAD_ID)
    values = {f: as_text(v) for f, v in raw.items()}
    try:
        record = schema.model_validate(raw).model_dump()
    except ValidationError as exc:
        if pasted:  # keep the pasted text so it can be corrected
            values[JSON_FIELD] = pasted
        return Submission(values, errors=plain_errors(exc, pasted=bool(pasted)))
    return Submission(values, record=record)


# A form sends text only, while the API's schema takes JSON numbers and booleans strictly:
# the form's number and yes/no inputs are read as what they mean here. Text that is neither
# stays text, so the schema's own message names the field.
_YES_NO = {"yes": True, "no": False}


def _typed(value: str, kind: str) -> Any:
    if kind == "numeric":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean":
        return _YES_NO.get(value.casefold(), value)
    return value


def _form_names(spec: LeadSpec) -> list[str]:
    return [spec.lead.id, *spec.feature_fields]


def _parse_json(text: str) -> tuple[dict[str, Any], str | None]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"The pasted lead is not valid JSON ({exc.msg} at line {exc.lineno}, " + (
            f"column {exc.colno})."
        )
    if not isinstance(value, dict):
        return {}, 'The pasted JSON must be one lead: an object such as {"industry": "Software"}.'
    return value, None


def plain_errors(exc: ValidationError, *, pasted: bool = False) -> dict[str, str]:
    """One sentence per field ('Employees must be a number, such as 250 (you wrote 'abc').')."""
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = ".".join(str(p) for p in err["loc"]) or "lead"
        words = _PLAIN.get(err["type"], err["msg"])
        given = err.get("input")
        wrote = f" (you wrote '{given}')" if isinstance(given, str | int | float) else ""
        if err["type"] in ("extra_forbidden", "missing"):
            wrote = ""
        text = f"{field_label(name)} {words}{wrote}."
        # Unknown fields only come from pasted JSON: show them under the JSON box.
        key = JSON_FIELD if pasted and err["type"] == "extra_forbidden" else name
        errors[key] = f"{errors[key]} {text}" if key in errors else text
    return errors


def as_text(value: Any) -> str:
    """A value as it goes back into a form input."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)

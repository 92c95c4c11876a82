"""Request models built from a spec, so the API accepts exactly the fields the model knows.

Input is strict where a careless caller could otherwise store something no one can use:
numbers are finite, not booleans, and within the spec's range; text holds no control
characters (a NUL cannot be stored by every backend); the lead id is printable, short and
routable (it can be read back at ``/v1/leads/{id}``); dates lie between 1970 and a day
from now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model

from features.spec import LeadSpec

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
LEAD_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:+=~-]{0,199}$"
"""ASCII letters, digits and ``_ . : + = ~ -``, starting with a letter, digit or ``_``:
every accepted id is one URL path segment as it is, so it can be read back and given an
outcome, and every client's regex engine reads the pattern alike. No ``@``: an email is
personal data, never an id."""
PRINTABLE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Text without NUL or other control characters (tab and newlines allowed), as a pattern
the schema shows, so that a client (or a fuzzer) knows before sending."""


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


def not_a_number(value: Any) -> Any:
    """Dates come as ISO 8601 text: a bare number is refused, not read as seconds."""
    if isinstance(value, int | float):
        raise ValueError("a date and time is expected as ISO 8601 text, not a number")
    return value


def within_dates(value: datetime | None) -> datetime | None:
    """A date between 1970 and a day from now; naive dates are taken as UTC."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if aware < EARLIEST:
        raise ValueError("is before 1970")
    if aware > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ValueError("is more than a day in the future")
    return value


TEXT = Annotated[str | None, Field(default=None, max_length=1000, pattern=PRINTABLE_TEXT)]
DATE = Annotated[
    datetime | None,
    BeforeValidator(not_a_number),
    AfterValidator(within_dates),
    Field(default=None),
]
_ANSWER = Annotated[str, Field(max_length=1000)]


class LeadBase(BaseModel):
    """Unknown fields are an error; numbers sent for text fields are read as text."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


def _number(low: float, high: float) -> Any:
    # The bounds sit on the float inside the optional: on ``float | None`` itself pydantic
    # would compare None with them and fail with a TypeError (a 500) for a missing number.
    bounded = Annotated[float, Field(allow_inf_nan=False, ge=low, le=high)]
    return Annotated[bounded | None, BeforeValidator(_not_a_boolean), Field(default=None)]


def build_request_model(spec: LeadSpec) -> type[LeadBase]:
    """A pydantic model with the lead id (required) and every feature field (optional).

    Fields the spec drops are accepted and ignored, so a CRM may send its whole record;
    outcome and sales-feedback fields are rejected: they are not known when a lead arrives.
    """
    fields: dict[str, Any] = {
        spec.lead.id: Annotated[str, Field(min_length=1, max_length=200, pattern=LEAD_ID_PATTERN)],
    }
    if spec.lead.created_at:
        fields[spec.lead.created_at] = DATE
    for name, kind in spec.feature_kinds.items():
        if kind == "numeric":
            fields[name] = _number(*spec.features.range_of(name))
        elif name in spec.features.boolean_values:  # the spec's own answers, e.g. "unknown"
            answer = Annotated[_ANSWER, Field(pattern=PRINTABLE_TEXT)]
            fields[name] = Annotated[bool | answer | None, Field(default=None)]
        elif kind == "boolean":
            fields[name] = Annotated[bool | None, Field(default=None)]
        else:
            fields[name] = TEXT
    for name in spec.features.drop:
        fields[name] = Annotated[Any, Field(default=None, description="accepted and ignored")]
    model = create_model(f"Lead_{_identifier(spec.name)}", __base__=LeadBase, **fields)
    model.__doc__ = f"A lead as the '{spec.name}' model expects it. Absent fields are missing."
    return model


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text) or "lead"

"""Request models built from a spec, so the API accepts exactly the fields the model knows.

Input is strict where a careless caller could otherwise store something no one can use:
numbers are finite, not booleans, and within the spec's range; text holds no control
characters (a NUL cannot be stored by every backend); the lead id is printable, short and
routable (it can be read back at ``/v1/leads/{id}``); dates lie between
``LEADGRADE_EARLIEST_DATE`` (1970-01-01) and ``LEADGRADE_FUTURE_DATE_HOURS`` (24) from now.
Text fields take JSON strings only: a number sent for text is refused, not read as text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    create_model,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from features.spec import LeadSpec

LEAD_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:+=~-]{0,199}$"
"""ASCII letters, digits and ``_ . : + = ~ -``, starting with a letter, digit or ``_``:
every accepted id is one URL path segment as it is, so it can be read back and given an
outcome, and every client's regex engine reads the pattern alike. No ``@``: an email is
personal data, never an id."""
PRINTABLE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Text without NUL or other control characters (tab and newlines allowed), as a pattern
the schema shows, so that a client (or a fuzzer) knows before sending."""


def not_a_number(value: Any) -> Any:
    """Dates come as ISO 8601 text: a bare number is refused, not read as seconds."""
    if isinstance(value, int | float):
        raise ValueError("a date and time is expected as ISO 8601 text, not a number")
    return value


def iso_date(value: Any) -> Any:
    """A day comes as ``YYYY-MM-DD`` text only: not a number of seconds, not a date-time."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is expected as YYYY-MM-DD")
    return value


# A day (format: date) as YYYY-MM-DD and nothing else: pydantic alone reads "0" as 1970-01-01.
IsoDate = Annotated[date, BeforeValidator(iso_date)]


class DateBounds(BaseSettings):
    """The dates a request may carry (env prefix LEADGRADE_): a lead's creation time, and the
    earliest date of an outcome (whose own future limit is a clock skew, see ``store.models``).
    """

    model_config = SettingsConfigDict(env_prefix="LEADGRADE_", extra="ignore")

    earliest_date: date = Field(
        default=date(1970, 1, 1), description="dates before this day (UTC) are refused"
    )
    future_date_hours: float = Field(
        default=24.0,
        ge=0.0,
        le=24 * 366,
        description="a lead's creation time may lie this far in the future (clock skew)",
    )

    @property
    def earliest(self) -> datetime:
        return datetime.combine(self.earliest_date, time(), tzinfo=UTC)

    def check(self, value: datetime) -> datetime:
        """``value`` if it lies between the bounds (naive is UTC), else a ``ValueError``."""
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        if aware < self.earliest:  # compared aware: 0001-01-01+01:00 has no UTC to convert to
            raise ValueError(f"is before {self.earliest_date.isoformat()}")
        if aware > datetime.now(UTC) + timedelta(hours=self.future_date_hours):
            raise ValueError(f"is more than {self.future_date_hours:g} hours in the future")
        return value


def _date(bounds: DateBounds) -> Any:
    def within(value: datetime | None) -> datetime | None:
        return None if value is None else bounds.check(value)

    return Annotated[
        datetime | None,
        BeforeValidator(not_a_number),
        AfterValidator(within),
        Field(
            default=None,
            description=f"ISO 8601; from {bounds.earliest_date.isoformat()} to "
            f"{bounds.future_date_hours:g} hours from now",
        ),
    ]


STRICT_BOOL = Annotated[bool, Strict()]  # true or false, never 1, "yes" or "true"
TEXT = Annotated[str | None, Field(default=None, max_length=1000, pattern=PRINTABLE_TEXT)]
_ANSWER = Annotated[str, Field(max_length=1000)]


class LeadBase(BaseModel):
    """Unknown fields are an error; text fields take strings only (a number is refused)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _number(low: float, high: float) -> Any:
    # Strict: a JSON number only, never true/false or text such as "12". The bounds sit on
    # the float inside the optional: on ``float | None`` itself pydantic would compare None
    # with them and fail with a TypeError (a 500) for a missing number.
    bounded = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=low, le=high)]
    return Annotated[bounded | None, Field(default=None)]


def build_request_model(spec: LeadSpec, dates: DateBounds | None = None) -> type[LeadBase]:
    """A pydantic model with the lead id (required) and every feature field (optional).

    Fields the spec drops are accepted and ignored, so a CRM may send its whole record;
    outcome and sales-feedback fields are rejected: they are not known when a lead arrives.
    """
    fields: dict[str, Any] = {
        spec.lead.id: Annotated[str, Field(min_length=1, max_length=200, pattern=LEAD_ID_PATTERN)],
    }
    if spec.lead.created_at:
        fields[spec.lead.created_at] = _date(dates or DateBounds())
    for name, kind in spec.feature_kinds.items():
        if kind == "numeric":
            fields[name] = _number(*spec.features.range_of(name))
        elif name in spec.features.boolean_values:  # the spec's own answers, e.g. "unknown"
            answer = Annotated[_ANSWER, Field(pattern=PRINTABLE_TEXT)]
            fields[name] = Annotated[STRICT_BOOL | answer | None, Field(default=None)]
        elif kind == "boolean":
            fields[name] = Annotated[STRICT_BOOL | None, Field(default=None)]
        else:
            fields[name] = TEXT
    for name in spec.features.drop:
        fields[name] = Annotated[Any, Field(default=None, description="accepted and ignored")]
    model = create_model(f"Lead_{_identifier(spec.name)}", __base__=LeadBase, **fields)
    model.__doc__ = f"A lead as the '{spec.name}' model expects it. Absent fields are missing."
    return model


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text) or "lead"

"""Domain errors shared by training and serving.

Each carries a stable machine-readable ``code`` and, where one field is to blame, its name,
so that the HTTP layer and the command line report them the same way.
"""

from __future__ import annotations

from typing import Any


class LeadgradeError(Exception):
    """Base class: an error the user can act on, with a code and optional details."""

    code = "leadgrade_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = {"field": field, **details} if field else dict(details)


class SpecError(LeadgradeError, ValueError):
    """The lead spec is malformed or does not match the data."""

    code = "invalid_spec"


class DataError(LeadgradeError, ValueError):
    """Input data cannot be used as it is (missing columns, too few labels, bad values)."""

    code = "invalid_data"

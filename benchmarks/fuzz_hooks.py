"""Schemathesis hooks of ``make fuzz``: the date-times the service accepts.

``format: date-time`` admits the years 0001 to 9999; the service takes a lead's creation
time and an outcome's date only from ``LEADGRADE_EARLIEST_DATE`` to about now
(:class:`features.request.DateBounds`; an outcome may lie 5 minutes ahead). No JSON Schema
keyword can state a bound that moves with the clock, so the schema says it in words and
valid (positive) cases draw their date-times from that window here. Invalid (negative)
cases are generated as before; the refusals of dates outside it are tested in
``tests/serving/test_strict_input.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import schemathesis
from hypothesis import strategies as st

from features.request import DateBounds

# Outcomes may lie at most 5 minutes ahead, and the run takes minutes: stay well behind now.
_MARGIN = timedelta(hours=1)


def _iso_utc(moment: datetime) -> str:
    # A named function, not a lambda: Hypothesis describes lambdas by parsing their source,
    # which races in CPython 3.11.7's ast module when two threads do it (gh-106905).
    return moment.isoformat() + "Z"


def accepted_date_times() -> st.SearchStrategy[str]:
    """ISO 8601 date-times in UTC between the configured earliest date and now."""
    bounds = DateBounds()
    latest = datetime.now(UTC) - _MARGIN
    earliest = bounds.earliest.replace(tzinfo=None)
    return st.datetimes(min_value=earliest, max_value=latest.replace(tzinfo=None)).map(_iso_utc)


schemathesis.openapi.format("date-time", accepted_date_times())

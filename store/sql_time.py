"""Time arithmetic in SQL, written once per backend, so that reports aggregate in the database.

SQLite stores a timestamp as naive UTC text (``2024-03-04 10:00:00.000000``, see
:class:`store.schema.UTCDateTime`); PostgreSQL as ``timestamptz``. These constructs give the
same numbers as Python's ``timedelta.total_seconds()`` on the values read back: elapsed time
is counted in whole microseconds, then divided, as Python does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class elapsed_seconds(FunctionElement[float]):  # noqa: N801 (SQL function style)
    """``later - earlier`` in seconds (a float, to the microsecond)."""

    type = Float()
    inherit_cache = True
    name = "elapsed_seconds"


class epoch_seconds(FunctionElement[float]):  # noqa: N801
    """Seconds since 1970-01-01 UTC (a float: to order and compare, not to subtract)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


class year_month(FunctionElement[str]):  # noqa: N801
    """``YYYY-MM`` of a timestamp, in UTC."""

    type = String()
    inherit_cache = True
    name = "year_month"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


def _sqlite_micros(text: str) -> str:
    """Whole seconds since 1970 and the microseconds of the text, as one integer."""
    seconds = f"CAST(strftime('%s', {text}) AS INTEGER)"
    return f"({seconds} * 1000000 + CAST(substr({text}, 21, 6) AS INTEGER))"


@compiles(elapsed_seconds, "sqlite")
def _elapsed_sqlite(element: elapsed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(({_sqlite_micros(later)} - {_sqlite_micros(earlier)}) / 1000000.0)"


@compiles(elapsed_seconds, "postgresql")
def _elapsed_postgresql(element: elapsed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later}) - ({earlier})) AS DOUBLE PRECISION)"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"({_sqlite_micros(moment)} / 1000000.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {moment}) AS DOUBLE PRECISION)"


@compiles(year_month, "sqlite")
def _month_sqlite(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"substr({moment}, 1, 7)"


@compiles(year_month, "postgresql")
def _month_postgresql(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"to_char(({moment}) AT TIME ZONE 'UTC', 'YYYY-MM')"

"""Parsing of single cell values, shared by data validation and the transform."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

import pandas as pd
from pandas.api.types import is_scalar

from features.fields import BooleanValues

_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_missing(value: Any, placeholders: Collection[str] = ("",)) -> bool:
    """None, NaN, or a string that the spec declares as a missing answer (after stripping)."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or text in placeholders
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, int):  # bool included; the common case, kept off pandas' path
        return False
    # pandas' NA and NaT (nullable columns) and NumPy's NaN scalars
    return is_scalar(value) and bool(pd.isna(value))


def parse_number(value: Any, placeholders: Collection[str] = ("",)) -> float | None:
    """A float, or None when missing. Raises ValueError for text that is not a number."""
    if is_missing(value, placeholders):
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return _unless_marker(float(value), placeholders)
    text = str(value).strip().replace(",", "")
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a number")
    return _unless_marker(float(text), placeholders)


def parse_bool(value: Any, placeholders: Collection[str] = ("",)) -> bool | None:
    """A bool, or None when missing. Accepts true/false, yes/no, 1/0 in any case."""
    if is_missing(value, placeholders):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


def parse_text(value: Any, placeholders: Collection[str] = ("",)) -> str | None:
    """Stripped text, or None when missing. Numbers are written as text (``3`` → ``"3"``)."""
    if is_missing(value, placeholders):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if text in placeholders else text


def parse_answer(
    value: Any, placeholders: Collection[str] = ("",), answers: BooleanValues | None = None
) -> bool | None:
    """A yes/no field's value: with the spec's own ``answers``, any other text is unknown."""
    if answers is None or isinstance(value, bool):
        return parse_bool(value, placeholders)
    text = parse_text(value, placeholders)
    return None if text is None else answers.parse(text)


def _unless_marker(number: float, placeholders: Collection[str]) -> float | None:
    """None when a field's missing markers include this number (e.g. 999 for "never")."""
    if len(placeholders) > 1 and number in _numeric_markers(tuple(placeholders)):
        return None
    return number


@lru_cache(maxsize=256)
def _numeric_markers(placeholders: tuple[str, ...]) -> frozenset[float]:
    numbers = (p.strip().replace(",", "") for p in placeholders)
    return frozenset(float(p) for p in numbers if _NUMBER.match(p))

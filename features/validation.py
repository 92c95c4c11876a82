"""Validate a table of leads against the spec: parse values, count and report what is bad.

Nothing is dropped silently. A row without a usable id, with a duplicate id, or with an
unreadable creation time is rejected and counted, with examples; a feature value that
cannot be parsed becomes missing and is counted per field, so the user can fix the export.

Ids: when the spec names no ``[lead] id`` and the export has no ``lead_id`` column, every
row's id is its row number (``row-1`` for the first data row). With ``bad_ids =
"row_number"`` rows without an id, or repeating an earlier row's id, are kept under their
row number instead of being rejected (and still counted).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from features.errors import DataError
from features.fields import row_id
from features.spec import LeadSpec
from features.values import parse_answer, parse_number, parse_text

_EXAMPLES = 3


@dataclass
class ValidationReport:
    rows_read: int
    rejected: dict[str, int] = field(default_factory=dict)
    bad_values: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    rejected_examples: dict[str, list[str]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # bad ids kept under row numbers
    numbered: bool = False  # the export had no id column: ids are row numbers

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def lines(self) -> list[str]:
        """Human-readable summary, one finding a line."""
        out = []
        if self.numbered:
            out.append("the export has no id column: each lead's id is its row number (row-1, …)")
        for why, n in self.rejected.items():
            if n:
                shown = ", ".join(self.rejected_examples.get(why, []))
                out.append(f"{n} row(s) rejected: {why}" + (f" (e.g. {shown})" if shown else ""))
        for why, n in self.kept.items():
            if n:
                shown = ", ".join(self.rejected_examples.get(why, []))
                out.append(f"{n} row(s) with {why} kept under their row number (e.g. {shown})")
        for name, n in self.bad_values.items():
            shown = ", ".join(self.examples.get(name, []))
            out.append(f"{n} unreadable value(s) in {name!r} set to missing (e.g. {shown})")
        return out


@dataclass
class ValidatedLeads:
    frame: pd.DataFrame
    report: ValidationReport


def validate_leads(frame: pd.DataFrame, spec: LeadSpec) -> ValidatedLeads:
    """Check columns, parse every feature value, reject rows that cannot be used."""
    spec.check_columns(frame.columns)
    report = ValidationReport(rows_read=len(frame))
    df = frame.reset_index(drop=True)
    keep = _check_ids(df, spec, report)
    if spec.lead.created_at:
        raw = df[spec.lead.created_at]
        parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="mixed")
        keep &= _reject(
            parsed.isna() & keep, "unreadable or missing creation time", report, raw.astype(str)
        )
        df[spec.lead.created_at] = parsed
    for name, kind in spec.feature_kinds.items():
        df[name] = _parse_column(df[name], kind, spec, report)
    df[spec.outcome.column] = [parse_text(v) for v in df[spec.outcome.column]]
    if spec.outcome.date:
        df[spec.outcome.date] = _parse_times(df[spec.outcome.date], spec, report)
    for name in spec.feedback_fields:
        df[name] = [parse_text(v, spec.features.missing) for v in df[name]]
    return ValidatedLeads(df.loc[keep].reset_index(drop=True), report)


def _check_ids(df: pd.DataFrame, spec: LeadSpec, report: ValidationReport) -> pd.Series:
    """Parse the ids (numbering the rows if there are none); reject or renumber bad ones."""
    name = spec.lead.id
    rows = pd.Series([row_id(i + 1) for i in range(len(df))], index=df.index, dtype=object)
    if name not in df.columns:
        if spec.lead.named:  # check_columns has failed already; kept for the type checker
            raise DataError(f"the data has no id column {name!r}", field=name)
        report.numbered = True
        df[name] = rows
        return pd.Series(True, index=df.index)
    df[name] = pd.Series([parse_text(v, spec.features.missing) for v in df[name]], dtype=object)
    absent = df[name].isna()
    repeated = df[name].duplicated() & ~absent
    report.rejected_examples["no lead id"] = [rows[i] for i in df.index[absent][:_EXAMPLES]]
    report.rejected_examples["duplicate lead id"] = [
        repr(v) for v in df.loc[repeated, name].unique()[:_EXAMPLES]
    ]
    if spec.lead.bad_ids == "row_number":
        report.kept = {"no lead id": int(absent.sum()), "duplicate lead id": int(repeated.sum())}
        df.loc[absent | repeated, name] = rows[absent | repeated]
        return pd.Series(True, index=df.index)
    keep = _reject(absent, "no lead id", report)
    return keep & _reject(repeated, "duplicate lead id", report)


def _reject(
    mask: pd.Series, why: str, report: ValidationReport, shown: pd.Series | None = None
) -> pd.Series:
    report.rejected[why] = int(mask.sum())
    if shown is not None and mask.any():
        report.rejected_examples[why] = [repr(v) for v in shown[mask][:_EXAMPLES]]
    return ~mask


def _parse_times(values: pd.Series, spec: LeadSpec, report: ValidationReport) -> pd.Series:
    """Timestamps (UTC); an unreadable one becomes missing and is counted, like a bad value."""
    missing = spec.features.missing
    text = pd.Series([parse_text(v, missing) for v in values], index=values.index)
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    bad = text[text.notna() & parsed.isna()]
    if len(bad):
        report.bad_values[str(values.name)] = len(bad)
        report.examples[str(values.name)] = [repr(v) for v in bad[:_EXAMPLES]]
    return parsed


def _parse_column(
    values: pd.Series, kind: str, spec: LeadSpec, report: ValidationReport
) -> list[Any]:
    name = str(values.name)
    parse: Callable[[Any, Collection[str]], Any] = parse_text
    if kind == "numeric":
        parse = parse_number
    elif kind == "boolean":
        parse = partial(parse_answer, answers=spec.features.boolean_values.get(name))
    missing = spec.missing_for(name)
    out: list[Any] = []
    bad: list[str] = []
    for value in values:
        try:
            out.append(parse(value, missing))
        except ValueError:
            out.append(None)
            bad.append(repr(value))
    if bad:
        report.bad_values[str(values.name)] = len(bad)
        report.examples[str(values.name)] = bad[:_EXAMPLES]
    return out

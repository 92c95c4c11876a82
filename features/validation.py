"""Validate a table of leads against the spec: parse values, count and report what is bad.

Nothing is dropped silently. A row without a usable id, with a duplicate id, or with an
unreadable creation time is rejected and counted; a feature value that cannot be parsed
becomes missing and is counted per field, with examples, so the user can fix the export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from features.spec import LeadSpec
from features.values import parse_bool, parse_number, parse_text

_EXAMPLES = 3


@dataclass
class ValidationReport:
    rows_read: int
    rejected: dict[str, int] = field(default_factory=dict)
    bad_values: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def lines(self) -> list[str]:
        """Human-readable summary, one finding a line."""
        out = [f"{n} row(s) rejected: {why}" for why, n in self.rejected.items() if n]
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
    df = frame.copy()
    df[spec.lead.id] = [parse_text(v, spec.features.missing) for v in df[spec.lead.id]]
    keep = _reject(df[spec.lead.id].isna(), "no lead id", report)
    keep &= _reject(df[spec.lead.id].duplicated() & keep, "duplicate lead id", report)
    if spec.lead.created_at:
        raw = df[spec.lead.created_at]
        parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="mixed")
        keep &= _reject(parsed.isna() & keep, "unreadable or missing creation time", report)
        df[spec.lead.created_at] = parsed
    for name, kind in spec.feature_kinds.items():
        df[name] = _parse_column(df[name], kind, spec, report)
    df[spec.outcome.column] = [parse_text(v) for v in df[spec.outcome.column]]
    if spec.outcome.date:
        df[spec.outcome.date] = _parse_times(df[spec.outcome.date], spec, report)
    for name in spec.feedback_fields:
        df[name] = [parse_text(v, spec.features.missing) for v in df[name]]
    return ValidatedLeads(df.loc[keep].reset_index(drop=True), report)


def _reject(mask: pd.Series, why: str, report: ValidationReport) -> pd.Series:
    report.rejected[why] = int(mask.sum())
    return ~mask


def _parse_times(values: pd.Series, spec: LeadSpec, report: ValidationReport) -> pd.Series:
    """Timestamps (UTC); an unreadable one becomes missing and is counted, like a bad value."""
    text = pd.Series([parse_text(v, spec.features.missing) for v in values], index=values.index)
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    bad = text[text.notna() & parsed.isna()]
    if len(bad):
        report.bad_values[str(values.name)] = len(bad)
        report.examples[str(values.name)] = [repr(v) for v in bad[:_EXAMPLES]]
    return parsed


def _parse_column(
    values: pd.Series, kind: str, spec: LeadSpec, report: ValidationReport
) -> list[Any]:
    parse = {"numeric": parse_number, "boolean": parse_bool}.get(kind, parse_text)
    out: list[Any] = []
    bad: list[str] = []
    for value in values:
        try:
            out.append(parse(value, spec.features.missing))
        except ValueError:
            out.append(None)
            bad.append(repr(value))
    if bad:
        report.bad_values[str(values.name)] = len(bad)
        report.examples[str(values.name)] = bad[:_EXAMPLES]
    return out

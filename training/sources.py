"""Training data from one or two files: the lead export, and an outcomes file joined by id.

Real CRM exports often keep outcomes apart from leads: a table of closed deals, or of
opportunities with a stage. A spec's ``[outcome] file`` names that table; this module reads
it and joins it to the leads on the lead id, exactly: every outcome row must name one lead
at most once, and the rows that match no lead are counted and reported, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.errors import DataError
from features.outcome import OUTCOME_FROM_FILE
from features.spec import LeadSpec
from features.values import parse_text
from training.data import CsvDialect, read_export

_KEY = "__join_key__"
_EXAMPLES = 3


@dataclass(frozen=True)
class JoinReport:
    """How the outcomes file matched the leads."""

    path: str
    outcome_rows: int  # rows with an id
    matched: int  # of those, rows whose id is a lead of the export
    without_id: int = 0

    @property
    def unmatched(self) -> int:
        return self.outcome_rows - self.matched

    def lines(self) -> list[str]:
        """Human-readable summary, one finding a line."""
        out = [f"{self.matched} of {self.outcome_rows} outcome row(s) in {self.path} match a lead"]
        if self.unmatched:
            out.append(f"warning: {self.unmatched} outcome row(s) name no lead of the export")
        if self.without_id:
            out.append(f"warning: {self.without_id} outcome row(s) without a lead id skipped")
        return out


@dataclass(frozen=True)
class TrainingData:
    frame: pd.DataFrame  # the leads, with the outcome (and its date) joined in
    join: JoinReport | None  # None when the outcome is a column of the export
    dialect: CsvDialect | None = None  # how the lead export was read; None for Parquet


def outcomes_path(spec: LeadSpec, data: Path) -> Path | None:
    """The outcomes file of a spec; a relative path is taken from the data file's folder."""
    if spec.outcome.file is None:
        return None
    path = Path(spec.outcome.file).expanduser()
    return path if path.is_absolute() else data.parent / path


def read_training_data(
    data: str | Path, spec: LeadSpec, progress: Callable[[str], None] = lambda _: None
) -> TrainingData:
    """Read the lead export and, if the spec names one, join its outcomes file.

    ``progress`` hears what was read: the CSV dialect found and how the join matched.
    """
    data = Path(data)
    progress(f"reading {data}")
    export = read_export(data, spec.csv)
    leads, dialect = export.frame, export.dialect
    if dialect:
        progress(f"read {len(leads)} rows as CSV: {dialect.describe()}")
    path = outcomes_path(spec, data)
    if path is None:
        return TrainingData(leads, None, dialect)
    if not path.is_file():
        raise DataError(
            f"no outcomes file {path}: outcome.file = {spec.outcome.file!r} is read from the "
            f"data file's folder ({data.parent})",
            field="outcome.file",
        )
    outcomes = read_export(path, spec.csv).frame
    frame, report = join_outcomes(leads, outcomes, spec, source=str(path))
    for line in report.lines():
        progress(line)
    return TrainingData(frame, report, dialect)


def join_outcomes(
    leads: pd.DataFrame, outcomes: pd.DataFrame, spec: LeadSpec, *, source: str = "<outcomes>"
) -> tuple[pd.DataFrame, JoinReport]:
    """Leads with their outcome: won if listed (``won_if_present``) or the file's status."""
    key = spec.outcome.join or spec.lead.id
    _require(leads, [spec.lead.id], "the lead export")
    _require(outcomes, [key], source)
    taken = _columns_to_take(leads, outcomes, spec, key, source)
    table = outcomes[[key, *taken]].assign(**{_KEY: _ids(outcomes[key])})
    without_id = int(table[_KEY].isna().sum())
    table = table[table[_KEY].notna()]
    _require_unique(table, key, source)
    lead_ids = _ids(leads[spec.lead.id])
    report = JoinReport(
        path=source,
        outcome_rows=len(table),
        matched=int(table[_KEY].isin(set(lead_ids.dropna())).sum()),
        without_id=without_id,
    )
    joined = leads.assign(**{_KEY: lead_ids}).merge(
        table.drop(columns=key), on=_KEY, how="left", validate="many_to_one", indicator=True
    )
    if spec.outcome.won_if_present:
        listed = joined["_merge"] == "both"
        joined[OUTCOME_FROM_FILE] = listed.map({True: "won", False: "lost"})
    return joined.drop(columns=[_KEY, "_merge"]), report


def _columns_to_take(
    leads: pd.DataFrame, outcomes: pd.DataFrame, spec: LeadSpec, key: str, source: str
) -> list[str]:
    """The spec's columns that the outcomes file holds (status, date, feedback, ...)."""
    named = [*spec.required_columns, *spec.feedback_fields]
    wanted = [c for c in dict.fromkeys(named) if c in outcomes.columns and c != key]
    both = [c for c in wanted if c in leads.columns]
    if both:
        raise DataError(
            f"column(s) {', '.join(map(repr, both))} are in both the lead export and {source}; "
            "rename one so the spec names a single column",
            field=both[0],
        )
    if not spec.outcome.won_if_present and spec.outcome.column not in wanted:
        raise DataError(
            f"{source} has no outcome column {spec.outcome.column!r}", field="outcome.column"
        )
    return wanted


def _ids(values: pd.Series) -> pd.Series:
    """Lead ids as stripped text (so 660737 and "660737 " match); missing ids are None."""
    return pd.Series([parse_text(v) for v in values], index=values.index, dtype=object)


def _require(frame: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(f"{where} has no column {absent[0]!r} to join on", field=absent[0])


def _require_unique(table: pd.DataFrame, key: str, source: str) -> None:
    repeated = table.loc[table[_KEY].duplicated(keep=False), _KEY]
    if len(repeated):
        shown = ", ".join(repr(v) for v in repeated.unique()[:_EXAMPLES])
        raise DataError(
            f"{source}: {repeated.nunique()} lead id(s) in {key!r} appear more than once "
            f"(e.g. {shown}); keep one outcome row per lead",
            field=key,
        )

"""Batch scoring of a lead file: chunked, bounded in memory, never stopped by a bad row.

The input (CSV or Parquet) is read ``chunk_rows`` leads at a time and each chunk is scored
by one model and written out before the next is read, so memory depends on the chunk
size, not on the file. A row whose values cannot be read (or that has no lead id) goes to
a side file with its line number and the reason; the other rows of its chunk are scored.
Bad rows are found by halving the failing chunk, with the same parsing the API uses.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.errors import DataError
from features.values import is_missing
from models.scorer import LeadScorer

DEFAULT_CHUNK_ROWS = 50_000
_SUFFIXES = (".csv", ".parquet")
# Output columns that are not text; fixed so that every chunk writes the same schema.
_TYPES = {
    "score": pa.float64(),
    "probability": pa.float64(),
    "follow_up_within_hours": pa.float64(),
}


@dataclass
class BatchSummary:
    rows: int = 0
    scored: int = 0
    bad_rows: int = 0
    grades: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.rows / self.seconds if self.seconds else 0.0
        grades = ", ".join(f"{g} {self.grades.get(g, 0)}" for g in "ABCD")
        return [
            f"{self.rows} rows read, {self.scored} scored, {self.bad_rows} bad rows",
            f"grades: {grades}",
            f"{self.seconds:.1f} s ({rate:,.0f} rows/s)",
        ]


def check_paths(source: Path, output: Path) -> None:
    """Refuse before any work: an unreadable input, an unknown format, output = input."""
    for path in (source, output):
        if path.suffix.lower() not in _SUFFIXES:
            raise DataError(f"{path}: use a .csv or .parquet file")
    if not source.is_file():
        raise DataError(f"no such input file: {source}")
    if source.resolve() == output.resolve():
        raise DataError("the output would overwrite the input: choose another --output")


def score_file(
    scorer: LeadScorer,
    source: Path,
    output: Path,
    *,
    version: str | None,
    explain: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> BatchSummary:
    """Score ``source`` into ``output``; bad rows go to ``<output>.bad-rows.csv``."""
    check_paths(source, output)
    summary, started = BatchSummary(), time.perf_counter()
    bad_path = bad_rows_path(output)
    writer = _Writer(output)
    with bad_path.open("w", newline="", encoding="utf-8") as bad_file:
        bad = csv.writer(bad_file)
        bad.writerow(["line" if source.suffix.lower() == ".csv" else "row", "lead_id", "reason"])
        for first_line, chunk, done, total in _chunks(source, chunk_rows):
            scored, failures = score_chunk(scorer, chunk, explain)
            scored["model_version"] = version
            writer.write(scored)
            for position, (lead_id, reason) in failures.items():
                bad.writerow([first_line + position, lead_id, reason])
            summary.rows += len(chunk)
            summary.scored += len(scored)
            summary.bad_rows += len(failures)
            summary.grades.update(scored["grade"].tolist())
            progress(done, total)
    writer.close()
    if not summary.bad_rows:
        bad_path.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def bad_rows_path(output: Path) -> Path:
    return output.with_name(output.name + ".bad-rows.csv")


def score_chunk(
    scorer: LeadScorer, chunk: pd.DataFrame, explain: bool = False
) -> tuple[pd.DataFrame, dict[int, tuple[str, str]]]:
    """Score the readable rows of ``chunk``; the others by position → (lead id, reason)."""
    id_field = scorer.spec.lead.id
    if id_field not in chunk.columns:
        raise DataError(f"the input has no lead id column {id_field!r}", field=id_field)
    chunk = chunk.reset_index(drop=True)
    failures = {i: ("", "no lead id") for i, v in enumerate(chunk[id_field]) if is_missing(v)}
    good = chunk.drop(index=list(failures))
    try:  # the usual chunk: every row readable, encoded once
        scored = scorer.score_frame(good) if len(good) else _empty(scorer)
    except DataError:
        good, more = _readable(scorer, good)
        failures.update(more)
        scored = scorer.score_frame(good) if len(good) else _empty(scorer)
    if explain and len(good):
        records = cast(list[dict[str, Any]], good.to_dict(orient="records"))
        reasons = [r for _, r in scorer.explain_records(records)]
        scored["reasons"] = [json.dumps(r["reasons"], ensure_ascii=False) for r in reasons]
    return scored, dict(sorted(failures.items()))


def _readable(
    scorer: LeadScorer, frame: pd.DataFrame
) -> tuple[pd.DataFrame, dict[int, tuple[str, str]]]:
    """The rows the transform can read, and why the others cannot (by halving)."""
    try:
        scorer.transformer.transform(frame.reindex(columns=scorer.spec.feature_fields))
        return frame, {}
    except DataError as exc:
        if len(frame) == 1:
            lead_id = str(frame[scorer.spec.lead.id].iloc[0])
            return frame.iloc[:0], {int(frame.index[0]): (lead_id, exc.message)}
    half = len(frame) // 2
    first, bad_first = _readable(scorer, frame.iloc[:half])
    second, bad_second = _readable(scorer, frame.iloc[half:])
    return pd.concat([first, second]), {**bad_first, **bad_second}


def _empty(scorer: LeadScorer) -> pd.DataFrame:
    return scorer.score_frame(pd.DataFrame({scorer.spec.lead.id: pd.Series([], dtype=object)}))


def _chunks(source: Path, rows: int) -> Iterator[tuple[int, pd.DataFrame, int, int]]:
    """(first line or row number, chunk, progress done, progress total) per chunk."""
    if source.suffix.lower() == ".parquet":
        parquet = pq.ParquetFile(source)
        total, done = parquet.metadata.num_rows, 0
        for batch in parquet.iter_batches(batch_size=rows):
            yield done + 1, batch.to_pandas(), done + batch.num_rows, total
            done += batch.num_rows
        return
    total, line = source.stat().st_size, 2  # line 1 is the header
    with source.open("rb") as handle:
        for chunk in pd.read_csv(handle, chunksize=rows, dtype=object):
            yield line, chunk, handle.tell(), total
            line += len(chunk)


class _Writer:
    """Appends scored chunks to a CSV or Parquet file (one Parquet row group a chunk)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._parquet: pq.ParquetWriter | None = None
        self._csv_started = False
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, frame: pd.DataFrame) -> None:
        if self.path.suffix.lower() == ".csv":
            frame.to_csv(self.path, mode="a" if self._csv_started else "w", index=False,
                         header=not self._csv_started)  # fmt: skip
            self._csv_started = True
            return
        schema = pa.schema([(c, _TYPES.get(c, pa.string())) for c in frame.columns])
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif not self._csv_started and self.path.suffix.lower() == ".csv":
            self.path.write_text("", encoding="utf-8")

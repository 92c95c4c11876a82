"""Reading lead exports (CSV or Parquet) as they come: any common CSV dialect and encoding.

A CSV export's separator (``,`` ``;`` tab ``|``) is detected with the standard library's
``csv.Sniffer`` on the first 64 KiB, and its encoding is UTF-8 with or without a byte-order
mark. The spec's ``[csv]`` section states either when detection is not wanted or the file
is in another encoding (``encoding = "latin-1"``). What was used is reported, so a wrong
guess is visible in the output and in the MLflow run.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.errors import DataError
from features.fields import SEPARATORS, CsvSection

_SAMPLE_BYTES = 1 << 16
_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV export was read, and which parts of it were detected rather than stated."""

    separator: str
    quote: str
    encoding: str
    detected: tuple[str, ...]  # of "separator", "encoding"

    def describe(self) -> str:
        """'separator ';' (detected), encoding utf-8 (detected)'."""
        sep = f"separator {_NAMES[self.separator]}"
        enc = f"encoding {self.encoding}"
        mark = " (detected)"
        return (
            f"{sep}{mark * ('separator' in self.detected)}, "
            f"{enc}{mark * ('encoding' in self.detected)}"
        )

    def params(self) -> dict[str, str]:
        """The dialect as MLflow params."""
        return {"csv_separator": _NAMES[self.separator], "csv_encoding": self.encoding}


@dataclass(frozen=True)
class Export:
    frame: pd.DataFrame
    dialect: CsvDialect | None  # None for Parquet


def read_export(path: str | Path, stated: CsvSection | None = None) -> Export:
    """Read a CSV or Parquet export. CSV cells are read as text; the spec decides types."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such data file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return Export(pd.read_parquet(path), None)
        if suffix in {".csv", ".txt", ".tsv"}:
            dialect = sniff_csv(path, stated or CsvSection())
            return Export(_read_csv(path, dialect), dialect)
    except pd.errors.ParserError as exc:
        raise DataError(f"cannot read {path}: {exc}{_other_separator(path)}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise DataError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")


def read_leads(path: str | Path, stated: CsvSection | None = None) -> pd.DataFrame:
    """The rows of an export (see :func:`read_export`)."""
    return read_export(path, stated).frame


def sniff_csv(path: Path, stated: CsvSection) -> CsvDialect:
    """The stated dialect, with the separator and encoding detected where not stated."""
    with path.open("rb") as file:
        raw = file.read(_SAMPLE_BYTES)
    detected: list[str] = []
    encoding = stated.encoding
    if encoding is None:
        encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
        detected.append("encoding")
    sample = raw.decode(encoding, errors="strict" if len(raw) < _SAMPLE_BYTES else "ignore")
    separator = stated.separator
    if separator is None:
        separator = detect_separator(sample, stated.quote)
        detected.append("separator")
    return CsvDialect(separator, stated.quote, encoding, tuple(detected))


def detect_separator(sample: str, quote: str = '"') -> str:
    """The separator of a CSV sample: ``csv.Sniffer`` among , ; tab |, checked on the header.

    The sniffer looks for the character that splits every line into the same number of
    fields; when it cannot decide, or picks one absent from the header, the most frequent
    candidate in the header line (outside quotes) wins, and ``,`` when there is none.
    """
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        sample = "\n".join(lines[:-1])  # the last line may be cut off mid-row
    header = _unquoted(lines[0] if lines else "", quote)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        found = None
    if found in SEPARATORS and header.count(found):
        return found
    counts = {s: header.count(s) for s in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _unquoted(line: str, quote: str) -> str:
    """The line without its quoted parts (a separator inside quotes is text)."""
    return "".join(part for i, part in enumerate(line.split(quote)) if i % 2 == 0)


def _read_csv(path: Path, dialect: CsvDialect) -> pd.DataFrame:
    return pd.read_csv(
        path,
        sep=dialect.separator,
        quotechar=dialect.quote,
        encoding=dialect.encoding,
        dtype=str,
        keep_default_na=False,
    )


def _other_separator(path: Path) -> str:
    """A hint naming the separator the file seems to use, for a file that did not parse."""
    with path.open("rb") as file:
        sample = file.read(_SAMPLE_BYTES).decode("utf-8", errors="ignore")
    found = detect_separator(sample)
    escaped = "\\t" if found == "\t" else found
    return (
        f"; the file looks {_NAMES[found]}-separated: state it in the spec, "
        f'[csv] separator = "{escaped}"'
    )


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> DataError:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return DataError(
        f"cannot read {path}: it is not {exc.encoding} text (byte 0x{byte} at position "
        f"{exc.start}); name the file's encoding in the spec, e.g. [csv] encoding = "
        '"latin-1" (or "cp1252", "utf-16")',
        field="csv.encoding",
    )

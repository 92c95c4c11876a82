"""Reading lead exports (CSV or Parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.errors import DataError


def read_leads(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet export. CSV cells are read as text; the spec decides types."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such data file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".csv", ".txt"}:
            return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise DataError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")

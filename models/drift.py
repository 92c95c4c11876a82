"""Do today's leads still look like the training leads? Population stability index (PSI).

At training, :func:`reference_distributions` bins the holdout's scores and the most
important fields (quantile bins for numbers, the most frequent values for categories, and
a bin for missing); the bins and their shares are saved in the model card as plain JSON.
At serving, :func:`compare` puts recent leads in the same bins:

    PSI = Σ (recent share − reference share) × ln(recent share ÷ reference share)

Below 0.1 little has changed; 0.1–0.25 is worth a look (warning); above 0.25 the leads
have shifted (alarm). Empty bins count as a share of 0.0001, as is usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SCORE = "score"
MISSING = "(missing)"
OTHER = "(other)"
_FLOOR = 1e-4


def reference_distributions(
    scores: npt.ArrayLike,
    frame: pd.DataFrame,
    importance: Mapping[str, float],
    top: int = 5,
    bins: int = 10,
) -> dict[str, dict[str, Any]]:
    """Bins and shares of the score (0–100) and of the ``top`` most important fields."""
    fields = [f for f in sorted(importance, key=importance.__getitem__, reverse=True)]
    reference = {SCORE: _numeric_bins(pd.Series(np.asarray(scores), dtype=float), bins)}
    for field in [f for f in fields if f in frame.columns][:top]:
        column = frame[field]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        reference[field] = _numeric_bins(column, bins) if numeric else _category_bins(column, bins)
    return reference


def _numeric_bins(values: pd.Series, bins: int) -> dict[str, Any]:
    present = pd.to_numeric(values, errors="coerce").dropna()
    # A field missing on every lead has one bin: missing (np.quantile fails on no values).
    quantiles = np.quantile(present, np.linspace(0, 1, bins + 1)) if len(present) else []
    edges = sorted(set(np.asarray(quantiles, dtype=float)[1:-1].tolist()))
    return {"kind": "numeric", "edges": edges, "shares": _numeric_shares(values, edges)}


def _category_bins(values: pd.Series, bins: int) -> dict[str, Any]:
    top = values.dropna().astype(str).value_counts().index[: bins - 1].tolist()
    return {"kind": "category", "values": top, "shares": _category_shares(values, top)}


def _numeric_shares(values: Iterable[Any], edges: Sequence[float]) -> list[float]:
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    counts = np.zeros(len(edges) + 2)  # len(edges) + 1 bins, then missing
    present = numbers.dropna().to_numpy(dtype=float)
    np.add.at(counts, np.searchsorted(edges, present, side="right"), 1)
    counts[-1] = numbers.isna().sum()
    shares: list[float] = (counts / max(counts.sum(), 1)).tolist()
    return shares


def _category_shares(values: Iterable[Any], known: Sequence[str]) -> list[float]:
    series = pd.Series(list(values), dtype=object)
    text = series.dropna().astype(str)
    counts = [float((text == value).sum()) for value in known]
    counts += [float((~text.isin(known)).sum()), float(series.isna().sum())]
    total = max(sum(counts), 1.0)
    return [count / total for count in counts]


def psi(reference: Sequence[float], recent: Sequence[float]) -> float:
    expected = np.clip(np.asarray(reference, dtype=float), _FLOOR, None)
    actual = np.clip(np.asarray(recent, dtype=float), _FLOOR, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def compare(
    reference: Mapping[str, Mapping[str, Any]],
    scores: Sequence[float],
    fields: Sequence[Mapping[str, Any]],
) -> dict[str, float]:
    """PSI of the recent scores and of each reference field's recent values."""
    found = {}
    for name, bins in reference.items():
        values = scores if name == SCORE else [row.get(name) for row in fields]
        if bins["kind"] == "numeric":
            shares = _numeric_shares(values, bins["edges"])
        else:
            shares = _category_shares(values, bins["values"])
        found[name] = round(psi(bins["shares"], shares), 4)
    return found


def level(value: float, warning: float, alarm: float) -> str:
    return "alarm" if value >= alarm else "warning" if value >= warning else "ok"

"""A logistic-regression scoring model as plain data: weights per model column, in JSON.

Training ships it when the logistic baseline beats LightGBM on the validation leads. It
reads the same encoded matrix as the booster (``LeadTransformer``'s columns) and holds,
for each column, the terms scikit-learn's fitted baseline learned, with the one-hot
encoding, the imputation and the scaling folded into them:

- a category column: one weight per category code seen in training (``-1`` = missing);
  a code it never saw weighs 0, as scikit-learn's ``handle_unknown="ignore"`` does;
- a number column: ``slope × value`` (a missing value counts as the training median)
  plus ``missing`` when the value is missing.

The raw score (log-odds) is ``intercept + Σ term(column)``. Its exact explanation is
``term − expected``, per column, where ``expected`` is the term's mean over the leads the
model was fitted on: the contributions and the base (``intercept + Σ expected``, the
average raw score) add up to the raw score, as TreeSHAP's do for a booster.

``predict`` takes the keyword arguments of ``lightgbm.Booster.predict`` that leadgrade
uses (``raw_score``, ``pred_contrib``, ``num_threads``), so the scorer and the explainer
call either model the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Self

import numpy as np


@dataclass(frozen=True)
class CategoryTerm:
    """Weight of each category code of one model column."""

    column: int
    codes: tuple[float, ...]  # sorted
    weights: tuple[float, ...]

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.codes, dtype=float), np.asarray(self.weights, dtype=float)

    def values(self, X: np.ndarray) -> np.ndarray:
        x = np.nan_to_num(X[:, self.column], nan=-1.0)
        if not self.codes:
            return np.zeros(len(x))
        codes, weights = self._arrays
        at = np.minimum(np.searchsorted(codes, x), len(codes) - 1)
        return np.where(codes[at] == x, weights[at], 0.0)

    def state(self) -> dict[str, Any]:
        pairs = [[c, w] for c, w in zip(self.codes, self.weights, strict=True)]
        return {"column": self.column, "categories": pairs}


@dataclass(frozen=True)
class NumberTerm:
    """``slope × value`` (missing: the fill) ``+ missing`` when the value is missing."""

    column: int
    slope: float
    fill: float
    missing: float

    def values(self, X: np.ndarray) -> np.ndarray:
        x = X[:, self.column]
        absent = np.isnan(x)
        return np.asarray(self.slope * np.where(absent, self.fill, x) + self.missing * absent)

    def state(self) -> dict[str, Any]:
        return asdict(self)


Term = CategoryTerm | NumberTerm


class LinearModel:
    """Log-odds as a sum of per-column terms; see the module docstring."""

    def __init__(self, intercept: float, terms: Sequence[Term], expected: Sequence[float]) -> None:
        if len(terms) != len(expected):
            raise ValueError(f"{len(terms)} terms but {len(expected)} expected values")
        if [t.column for t in terms] != list(range(len(terms))):
            raise ValueError("a linear model needs one term per model column, in order")
        self.intercept = float(intercept)
        self.terms = tuple(terms)
        self.expected = np.asarray(expected, dtype=float)
        # The number terms as arrays: one vectorised step for all of them when scoring.
        numbers = [t for t in terms if isinstance(t, NumberTerm)]
        self._number_columns = np.array([t.column for t in numbers], dtype=np.intp)
        self._slopes, self._fills, self._missing = (
            np.array([getattr(t, name) for t in numbers], dtype=float)
            for name in ("slope", "fill", "missing")
        )
        self._categories = [t for t in terms if isinstance(t, CategoryTerm)]

    @classmethod
    def fitted(cls, intercept: float, terms: Sequence[Term], X: np.ndarray) -> Self:
        """A model whose explanations are centred on the leads ``X`` it was fitted on."""
        expected = [float(t.values(X).mean()) for t in terms]
        return cls(intercept, terms, expected)

    @property
    def n_columns(self) -> int:
        return len(self.terms)

    def term_values(self, X: np.ndarray) -> np.ndarray:
        """One column per term: each model column's share of the raw score."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_columns:
            raise ValueError(f"expected {self.n_columns} model columns, got shape {X.shape}")
        out = np.empty(X.shape)
        x = X[:, self._number_columns]
        absent = np.isnan(x)
        out[:, self._number_columns] = (
            self._slopes * np.where(absent, self._fills, x) + self._missing * absent
        )
        for term in self._categories:
            out[:, term.column] = term.values(X)
        return out

    def predict(
        self,
        data: np.ndarray,
        *,
        raw_score: bool = False,
        pred_contrib: bool = False,
        num_threads: int = 0,  # accepted like LightGBM's; NumPy needs no thread count
    ) -> np.ndarray:
        """Probabilities; raw log-odds with ``raw_score``; with ``pred_contrib`` one exact
        contribution per model column and the base last (row sums = raw scores)."""
        values = self.term_values(data)
        if pred_contrib:
            base = np.full((len(values), 1), self.intercept + self.expected.sum())
            return np.hstack([values - self.expected, base])
        raw = np.asarray(self.intercept + values.sum(axis=1))
        return raw if raw_score else np.asarray(1.0 / (1.0 + np.exp(-raw)))

    def get_state(self) -> dict[str, Any]:
        """What ``linear.json`` holds."""
        return {
            "intercept": self.intercept,
            "terms": [{"kind": _kind(t), **t.state()} for t in self.terms],
            "expected": self.expected.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        terms = [_term(t) for t in state["terms"]]
        return cls(float(state["intercept"]), terms, [float(v) for v in state["expected"]])


def _kind(term: Term) -> str:
    return "category" if isinstance(term, CategoryTerm) else "number"


def _term(state: Mapping[str, Any]) -> Term:
    column = int(state["column"])
    if state["kind"] == "category":
        pairs = sorted((float(c), float(w)) for c, w in state["categories"])
        return CategoryTerm(column, tuple(c for c, _ in pairs), tuple(w for _, w in pairs))
    if state["kind"] == "number":
        return NumberTerm(
            column, float(state["slope"]), float(state["fill"]), float(state["missing"])
        )
    raise ValueError(f"unknown term kind {state['kind']!r}")

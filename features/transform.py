"""The feature transform: lead fields in, the model's numeric matrix out.

``LeadTransformer`` follows scikit-learn's estimator conventions. It derives features from
the spec's special fields (free-mail vs company email, title seniority and function,
target-account membership) and encodes categories as integer codes for LightGBM.

Training passes a DataFrame; serving passes a list of dicts. Both go through the same
column-wise code, so a lead scores identically either way, and the serving path builds
no DataFrame. A DataFrame column is read as its distinct values (pandas' ``factorize``)
and the per-value parsing runs once per distinct value, not once per row: a batch of a
million leads has a few thousand distinct industries, titles and email domains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from features.derived import (
    TargetAccounts,
    email_domain,
    is_free_mail,
    title_function,
    title_seniority,
)
from features.errors import DataError
from features.scrubbing import scrub_contacts
from features.spec import LeadSpec
from features.values import parse_answer, parse_number, parse_text

TARGET_ACCOUNT_SUFFIX = "__target_account"


@dataclass(frozen=True)
class _Column:
    """A column as its distinct ``values`` and, for each row, the index of its value."""

    values: list[Any]
    rows: np.ndarray

    @classmethod
    def of_list(cls, values: list[Any]) -> _Column:
        return cls(values, np.arange(len(values)))

    def map(self, parse: Callable[[Any], Any]) -> list[Any]:
        """``parse`` of each distinct value (in ``values`` order)."""
        return [parse(v) for v in self.values]

    def keyed(self, key: Callable[[Any], str | None]) -> _Column:
        """The column of ``key(value)``: rows whose values share a key share one entry."""
        return self.by(self.map(key))

    def by(self, keys: list[str | None]) -> _Column:
        """The column of ``keys``, one per distinct value (in ``values`` order)."""
        index: dict[str | None, int] = {}
        codes = [index.setdefault(k, len(index)) for k in keys]
        return _Column(list(index), np.asarray(codes, dtype=np.intp)[self.rows])

    @classmethod
    def of_series(cls, series: pd.Series) -> _Column:
        # Factorizing equates True, 1 and 1.0; a column mixing booleans and numbers, which
        # parse differently as text, is read value by value.
        if series.dtype == object and infer_dtype(series, skipna=True) not in _FACTORIZABLE:
            return cls.of_list(series.tolist())
        rows, distinct = pd.factorize(series)
        values = list(distinct.tolist())
        if (rows < 0).any():  # missing values (NaN, None, NA) all parse as missing
            rows = np.where(rows < 0, len(values), rows)
            values.append(None)
        return cls(values, rows)


Columns = Mapping[str, _Column]
# The inferred kinds of an object column whose distinct values (by ==) parse alike.
_FACTORIZABLE = frozenset(
    {"string", "empty", "integer", "floating", "mixed-integer-float", "boolean"}
)


@dataclass(frozen=True)
class _Derived:
    """A model column: its name, its source field, its values per distinct input value."""

    name: str
    source: str
    values: list[Any]
    rows: np.ndarray
    categorical: bool = False

    def per_row(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per distinct input value) spread over the rows."""
        return np.asarray(values[self.rows])


class LeadTransformer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Turn lead fields into a float matrix; categories become integer codes.

    Parameters
    ----------
    spec : LeadSpec
        Which fields are features and of what kind.
    min_frequency : int
        Categories seen fewer times than this in training share one "other" code, as do
        categories never seen in training.
    max_categories : int
        At most this many distinct codes per categorical column, besides "other".

    Attributes
    ----------
    feature_names_out_ : list of str
        Model column names, e.g. ``industry`` or ``job_title__seniority``.
    sources_ : list of str
        For each model column, the input field it comes from (used to group explanations).
    categorical_indices_ : list of int
        Positions of the categorical model columns (for LightGBM's ``categorical_feature``).
    categories_ : dict of str to list of str
        Kept categories per categorical model column; code ``i`` is ``categories_[c][i]``
        and code ``len(categories_[c])`` is "other".
    """

    def __init__(self, spec: LeadSpec, min_frequency: int = 10, max_categories: int = 64) -> None:
        self.spec = spec
        self.min_frequency = min_frequency
        self.max_categories = max_categories

    def fit(self, X: pd.DataFrame, y: Any = None) -> Self:
        """Learn the category codes from training leads."""
        if self.min_frequency < 1 or self.max_categories < 1:
            raise ValueError("min_frequency and max_categories must be >= 1")
        derived = self._derive(_frame_columns(X, self.spec.feature_fields))
        self.feature_names_out_ = [d.name for d in derived]
        self.sources_ = [d.source for d in derived]
        self.categorical_indices_ = [i for i, d in enumerate(derived) if d.categorical]
        self.categories_ = {d.name: self._kept_categories(d) for d in derived if d.categorical}
        self._codes = {c: {v: i for i, v in enumerate(k)} for c, k in self.categories_.items()}
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Encode a DataFrame of leads (one row per lead)."""
        check_is_fitted(self, "feature_names_out_")
        return self._encode(self._derive(_frame_columns(X, self.spec.feature_fields)))

    def transform_records(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode leads given as dicts; absent keys are missing values. The serving path."""
        check_is_fitted(self, "feature_names_out_")
        columns = {
            f: _Column.of_list([r.get(f) for r in records]) for f in self.spec.feature_fields
        }
        return self._encode(self._derive(columns))

    def get_state(self) -> dict[str, Any]:
        """What ``fit`` learned, as JSON-able data (the spec travels separately)."""
        check_is_fitted(self, "feature_names_out_")
        return {
            "min_frequency": self.min_frequency,
            "max_categories": self.max_categories,
            "feature_names_out": self.feature_names_out_,
            "sources": self.sources_,
            "categorical_indices": self.categorical_indices_,
            "categories": self.categories_,
        }

    @classmethod
    def from_state(cls, spec: LeadSpec, state: Mapping[str, Any]) -> Self:
        """A fitted transformer from :meth:`get_state` data; ValueError if it does not fit."""
        out = cls(spec, int(state["min_frequency"]), int(state["max_categories"]))
        names, sources = list(state["feature_names_out"]), list(state["sources"])
        empty = {f: _Column.of_list([]) for f in spec.feature_fields}
        fitted = [d.name for d in out._derive(empty)]
        if names != fitted or len(sources) != len(names):
            raise ValueError(f"the model's columns {names} are not what the spec derives {fitted}")
        out.feature_names_out_, out.sources_ = names, sources
        out.categorical_indices_ = [int(i) for i in state["categorical_indices"]]
        out.categories_ = {str(c): [str(v) for v in k] for c, k in state["categories"].items()}
        out._codes = {c: {v: i for i, v in enumerate(k)} for c, k in out.categories_.items()}
        return out

    @property
    def target_account_column(self) -> int | None:
        """The index of the column that flags a target account; None without such a list."""
        check_is_fitted(self, "feature_names_out_")
        suffix = TARGET_ACCOUNT_SUFFIX
        return next((i for i, n in enumerate(self.feature_names_out_) if n.endswith(suffix)), None)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)

    def _derive(self, columns: Columns) -> list[_Derived]:
        """The model columns in a fixed order, each parsed once per distinct value."""
        email, out = self.spec.features.email, list[_Derived]()
        if email:  # keyed once for both features an email derives
            columns = {**columns, email: _by_domain(columns[email], self.spec.missing_for(email))}
        for field, kind in self.spec.feature_kinds.items():
            try:
                out.extend(self._derive_field(field, kind, columns))
            except ValueError as exc:
                raise DataError(f"field {field!r}: {exc}", field=field) from exc
        return out

    def _derive_field(self, field: str, kind: str, columns: Columns) -> list[_Derived]:
        column, missing = columns[field], self.spec.missing_for(field)
        if kind == "categorical":
            texts = column.map(lambda v: _free_text(v, missing))
            return [_Derived(field, field, texts, column.rows, categorical=True)]
        if kind == "numeric":
            numbers = column.map(lambda v: parse_number(v, missing))
            return [_Derived(field, field, numbers, column.rows)]
        if kind == "boolean":
            yes_no = self.spec.features.boolean_values.get(field)
            flags = column.map(lambda v: parse_answer(v, missing, yes_no))
            return [_Derived(field, field, flags, column.rows)]
        if kind == "email":
            free = column.map(lambda v: is_free_mail(email_domain(parse_text(v, missing))))
            return [_Derived(f"{field}__free_mail", field, free, column.rows)]
        if kind == "job_title":
            titles = column.keyed(lambda v: _free_text(v, missing))
            levels, functions = titles.map(title_seniority), titles.map(title_function)
            return [
                _Derived(f"{field}__seniority", field, levels, titles.rows),
                _Derived(f"{field}__function", field, functions, titles.rows, categorical=True),
            ]
        if kind == "company" and self._accounts:
            return [self._target(columns, column, field)]
        return []

    @cached_property
    def _accounts(self) -> TargetAccounts:
        ta = self.spec.target_accounts
        return TargetAccounts(ta.domains, ta.names)

    def _target(self, columns: Columns, companies: _Column, field: str) -> _Derived:
        """Target-account membership: by the email's domain, else by the company's name."""
        accounts, email = self._accounts, self.spec.features.email
        by_name = companies.map(lambda c: (None, _free_text(c)) in accounts)
        hit = np.asarray(by_name, dtype=bool)[companies.rows]
        if email:
            emails = columns[email]
            by_domain = emails.map(lambda e: (parse_text(e), None) in accounts)
            hit |= np.asarray(by_domain, dtype=bool)[emails.rows]
        values = [False, True]
        return _Derived(field + TARGET_ACCOUNT_SUFFIX, field, values, hit.astype(np.intp))

    def _kept_categories(self, derived: _Derived) -> list[str]:
        counts: Counter[str] = Counter()
        rows_per_value = np.bincount(derived.rows, minlength=len(derived.values))
        for text, n in zip(derived.values, rows_per_value.tolist(), strict=True):
            if text is not None and n:
                counts[text] += n
        frequent = [(v, n) for v, n in counts.most_common() if n >= self.min_frequency]
        return [v for v, _ in frequent[: self.max_categories]]

    def _encode(self, derived: list[_Derived]) -> np.ndarray:
        n_rows = len(derived[0].rows) if derived else 0
        matrix = np.full((n_rows, len(derived)), np.nan, dtype=np.float64)
        for j, d in enumerate(derived):
            if d.name in self._codes:
                codes, other = self._codes[d.name], len(self._codes[d.name])
                encoded = [np.nan if v is None else codes.get(v, other) for v in d.values]
            else:
                encoded = [np.nan if v is None else float(v) for v in d.values]
            matrix[:, j] = d.per_row(np.asarray(encoded, dtype=np.float64))
        return matrix


def _free_text(value: Any, missing: Collection[str] = ("",)) -> str | None:
    """Text as the model reads it: contact details scrubbed first, so that text stored or
    logged scrubbed scores exactly as the text sent (see :mod:`features.scrubbing`)."""
    text = parse_text(value, missing)
    return None if text is None else scrub_contacts(text)


def _frame_columns(X: pd.DataFrame, fields: Sequence[str]) -> dict[str, _Column]:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of leads, got {type(X).__name__}")
    absent = [f for f in fields if f not in X.columns]
    if absent:
        raise DataError(f"missing feature column(s): {', '.join(absent)}", field=absent[0])
    return {f: _Column.of_series(X[f]) for f in fields}


def _by_domain(emails: _Column, missing: Collection[str]) -> _Column:
    """The email column keyed by the text after the last "@" (most addresses are distinct,
    their domains are not).

    What an email derives depends only on that text (``email_domain`` keeps what follows
    the last "@", stripped), except for a missing-answer marker that itself reads as a
    domain (or a column not all text): then the column stays keyed by the whole address.
    """
    texts = emails.values
    if any(email_domain(m) is not None for m in missing) or not all(
        v is None or type(v) is str for v in texts
    ):
        return emails
    return emails.by([None if v is None else v.rpartition("@")[2] for v in texts])

"""The feature transform: lead fields in, the model's numeric matrix out.

``LeadTransformer`` follows scikit-learn's estimator conventions. It derives features from
the spec's special fields (free-mail vs company email, title seniority and function,
target-account membership) and encodes categories as integer codes for LightGBM.

Training passes a DataFrame; serving passes a list of dicts. Both go through the same
column-wise code, so a lead scores identically either way, and the serving path builds
no DataFrame.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from functools import cached_property
from typing import Any, Self

import numpy as np
import pandas as pd
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

Columns = Mapping[str, Sequence[Any]]


TARGET_ACCOUNT_SUFFIX = "__target_account"


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
        self.feature_names_out_ = [name for name, _, _ in derived]
        self.sources_ = [source for _, source, _ in derived]
        self.categorical_indices_ = [
            i for i, (_, _, values) in enumerate(derived) if _is_categorical(values)
        ]
        self.categories_ = {
            name: self._kept_categories(values)
            for name, _, values in derived
            if _is_categorical(values)
        }
        self._codes = {c: {v: i for i, v in enumerate(k)} for c, k in self.categories_.items()}
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Encode a DataFrame of leads (one row per lead)."""
        check_is_fitted(self, "feature_names_out_")
        return self._encode(self._derive(_frame_columns(X, self.spec.feature_fields)))

    def transform_records(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode leads given as dicts; absent keys are missing values. The serving path."""
        check_is_fitted(self, "feature_names_out_")
        columns = {f: [r.get(f) for r in records] for f in self.spec.feature_fields}
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
        fitted = [name for name, _, _ in out._derive({f: [] for f in spec.feature_fields})]
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

    def _derive(self, columns: Columns) -> list[tuple[str, str, list[Any]]]:
        """(model column, source field, values) in a fixed order; text values stay text."""
        spec, answers = self.spec, self.spec.features.boolean_values
        out: list[tuple[str, str, list[Any]]] = []
        for field, kind in spec.feature_kinds.items():
            values, missing = columns[field], spec.missing_for(field)
            try:
                if kind == "categorical":
                    out.append((field, field, [_Text(_free_text(v, missing)) for v in values]))
                elif kind == "numeric":
                    out.append((field, field, [parse_number(v, missing) for v in values]))
                elif kind == "boolean":
                    yes_no = answers.get(field)
                    out.append((field, field, [parse_answer(v, missing, yes_no) for v in values]))
                elif kind == "email":
                    domains = [email_domain(parse_text(v, missing)) for v in values]
                    out.append((f"{field}__free_mail", field, [is_free_mail(d) for d in domains]))
                elif kind == "job_title":
                    titles = [_free_text(v, missing) for v in values]
                    out.append((f"{field}__seniority", field, [title_seniority(t) for t in titles]))
                    out.append(
                        (f"{field}__function", field, [_Text(title_function(t)) for t in titles])
                    )
                elif kind == "company" and self._accounts:
                    out.append(
                        (field + TARGET_ACCOUNT_SUFFIX, field, self._target(columns, values))
                    )
            except ValueError as exc:
                raise DataError(f"field {field!r}: {exc}", field=field) from exc
        return out

    @cached_property
    def _accounts(self) -> TargetAccounts:
        ta = self.spec.target_accounts
        return TargetAccounts(ta.domains, ta.names)

    def _target(self, columns: Columns, companies: Sequence[Any]) -> list[bool]:
        accounts, email = self._accounts, self.spec.features.email
        emails = columns[email] if email else [None] * len(companies)
        return [
            (parse_text(e), _free_text(c)) in accounts
            for e, c in zip(emails, companies, strict=True)
        ]

    def _kept_categories(self, values: list[Any]) -> list[str]:
        counts = Counter(v.text for v in values if v.text is not None)
        frequent = [(v, n) for v, n in counts.most_common() if n >= self.min_frequency]
        return [v for v, _ in frequent[: self.max_categories]]

    def _encode(self, derived: list[tuple[str, str, list[Any]]]) -> np.ndarray:
        n_rows = len(derived[0][2]) if derived else 0
        matrix = np.full((n_rows, len(derived)), np.nan, dtype=np.float64)
        for j, (name, _, values) in enumerate(derived):
            if name in self._codes:
                codes, other = self._codes[name], len(self._codes[name])
                matrix[:, j] = [
                    np.nan if v.text is None else codes.get(v.text, other) for v in values
                ]
            else:
                matrix[:, j] = [np.nan if v is None else float(v) for v in values]
        return matrix


class _Text:
    """Marks a derived value as categorical text (so a column of Nones is still categorical)."""

    __slots__ = ("text",)

    def __init__(self, text: str | None) -> None:
        self.text = text


def _free_text(value: Any, missing: Collection[str] = ("",)) -> str | None:
    """Text as the model reads it: contact details scrubbed first, so that text stored or
    logged scrubbed scores exactly as the text sent (see :mod:`features.scrubbing`)."""
    text = parse_text(value, missing)
    return None if text is None else scrub_contacts(text)


def _is_categorical(values: list[Any]) -> bool:
    return bool(values) and isinstance(values[0], _Text)


def _frame_columns(X: pd.DataFrame, fields: Sequence[str]) -> dict[str, list[Any]]:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of leads, got {type(X).__name__}")
    absent = [f for f in fields if f not in X.columns]
    if absent:
        raise DataError(f"missing feature column(s): {', '.join(absent)}", field=absent[0])
    return {f: X[f].tolist() for f in fields}

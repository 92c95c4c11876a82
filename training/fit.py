"""Fitting: the LightGBM booster and the logistic-regression baseline on the same features."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from models.linear import CategoryTerm, LinearModel, NumberTerm, Term

# Small, regularised trees: lead tables are small and noisy, and explanation speed grows
# with trees x leaves. 7 leaves at rate 0.1 matched or beat 15 leaves at 0.05 on the demo,
# X Education and Olist data (mean holdout AUC over 5 splits each: 0.856 vs 0.854,
# 0.875 vs 0.875, 0.698 vs 0.697) with fewer trees; see docs/benchmarks.md for speed.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "metric": "binary_logloss",
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "min_data_per_group": 30,
    "num_boost_round": 400,
    "early_stopping_rounds": 40,
    "seed": 0,
    "deterministic": True,
    "force_col_wise": True,
    "num_threads": 2,
    "verbosity": -1,
}


def fit_booster(
    X_train: np.ndarray,
    y_train: np.ndarray,
    w_train: np.ndarray,
    X_valid: np.ndarray,
    y_valid: np.ndarray,
    *,
    feature_names: Sequence[str],
    categorical: Sequence[int],
    params: Mapping[str, Any] | None = None,
) -> lgb.Booster:
    """Weighted LightGBM with early stopping on the (unweighted) validation leads."""
    merged = {**DEFAULT_PARAMS, **(params or {})}
    rounds = int(merged.pop("num_boost_round"))
    patience = int(merged.pop("early_stopping_rounds"))
    names, categories = list(feature_names), list(categorical)
    train = lgb.Dataset(
        X_train,
        label=y_train,
        weight=w_train,
        feature_name=names,
        categorical_feature=categories,
        free_raw_data=False,
    )
    valid = lgb.Dataset(
        X_valid,
        label=y_valid,
        reference=train,
        feature_name=names,
        categorical_feature=categories,
    )
    return lgb.train(
        merged,
        train,
        num_boost_round=rounds,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(patience, verbose=False)],
    )


def fit_baseline(
    X: np.ndarray, y: np.ndarray, weight: np.ndarray, *, categorical: Sequence[int]
) -> Pipeline:
    """Logistic regression: one-hot categories, imputed and scaled numbers."""
    numeric = [i for i in range(X.shape[1]) if i not in set(categorical)]
    columns = ColumnTransformer(
        [
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                list(categorical),
            ),
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                    StandardScaler(),
                ),
                numeric,
            ),
        ]
    )
    model = Pipeline([("columns", columns), ("logistic", LogisticRegression(max_iter=2000))])
    return model.fit(X, y, logistic__sample_weight=weight)


def linear_model(baseline: Pipeline, X: np.ndarray) -> LinearModel:
    """The fitted baseline as a :class:`LinearModel`, centred on the leads ``X`` it saw.

    Folds the one-hot encoding, the imputation and the scaling into per-column terms; the
    raw scores equal ``baseline.decision_function`` (tested).
    """
    columns: ColumnTransformer = baseline.named_steps["columns"]
    logistic: LogisticRegression = baseline.named_steps["logistic"]
    weights = iter(logistic.coef_[0].tolist())
    categorical, numeric = columns.transformers_[0][2], columns.transformers_[1][2]
    terms: list[Term] = []
    if categorical:  # an empty block is never fitted: nothing to read
        terms += _category_terms(columns.named_transformers_["categorical"], categorical, weights)
    shift = 0.0
    if numeric:
        numbers, shift = _number_terms(columns.named_transformers_["numeric"], numeric, weights)
        terms += numbers
    intercept = float(logistic.intercept_[0]) + shift
    return LinearModel.fitted(intercept, sorted(terms, key=lambda t: t.column), X)


def _category_terms(
    block: Pipeline, columns: Sequence[int], weights: Iterator[float]
) -> list[Term]:
    """One weight per one-hot category of each column (``-1``: imputed missing)."""
    encoder: OneHotEncoder = block[-1]
    terms: list[Term] = []
    for column, codes in zip(columns, encoder.categories_, strict=True):
        weight = [next(weights) for _ in codes]
        terms.append(CategoryTerm(column, tuple(map(float, codes)), tuple(weight)))
    return terms


def _number_terms(
    block: Pipeline, columns: Sequence[int], weights: Iterator[float]
) -> tuple[list[Term], float]:
    """Slope per unscaled value and weight of the missing indicator, per column; and what
    the scaling's centring adds to the intercept."""
    imputer: SimpleImputer = block[0]
    scaler: StandardScaler = block[1]
    slopes = np.asarray([next(weights) for _ in scaler.scale_]) / scaler.scale_
    missing = np.zeros(len(columns))
    indicated = imputer.indicator_.features_ if imputer.indicator_ is not None else []
    missing[list(indicated)] = slopes[len(columns) :]
    fills = np.nan_to_num(imputer.statistics_, nan=0.0)  # an empty column is imputed with 0
    terms: list[Term] = [
        NumberTerm(column, float(slopes[k]), float(fills[k]), float(missing[k]))
        for k, column in enumerate(columns)
    ]
    return terms, -float(slopes @ scaler.mean_)


def importance_by_field(booster: lgb.Booster, sources: Sequence[str]) -> dict[str, float]:
    """Share of total gain per input field (model columns summed back to their field)."""
    return _shares(booster.feature_importance(importance_type="gain"), sources)


def contribution_importance(
    estimator: lgb.Booster | LinearModel, X: np.ndarray, sources: Sequence[str]
) -> dict[str, float]:
    """Share of the mean absolute contribution per input field, on the leads ``X``."""
    contributions = np.asarray(estimator.predict(X, pred_contrib=True))[:, :-1]
    return _shares(np.abs(contributions).mean(axis=0), sources)


def _shares(values: Sequence[float] | np.ndarray, sources: Sequence[str]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for field, value in zip(sources, values, strict=True):
        totals[field] = totals.get(field, 0.0) + float(value)
    grand = sum(totals.values()) or 1.0
    return dict(sorted(((f, v / grand) for f, v in totals.items()), key=lambda kv: -kv[1]))

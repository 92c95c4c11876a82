"""LightGBM tuned on the validation leads: a handful of candidates, each early-stopped.

The grid is small on purpose (training time grows with it): the default regularisation,
a stronger and a weaker one, and linear trees. Each candidate is fitted on the training
leads with early stopping on the validation leads and scored there on the configured
metric; the best one ships. The holdout is never looked at.

Linear trees (``linear_tree``) are measured but never shipped: LightGBM does not compute
TreeSHAP contributions for them (``pred_contrib`` fails, lightgbm-org/LightGBM#4002), and
every shipped score must be explained exactly. Their validation score is in the model
card, so a company whose leads favour them can see it.

Above :data:`SEARCH_ROWS` training leads the candidates are compared on a random sample
of that many (the run says so), and only the chosen one is fitted on all of them, so the
search costs about as much as one more fit of a 50,000-lead model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from training.fit import DEFAULT_PARAMS, fit_booster
from training.metric import Metric, better, validation_score

CANDIDATES: dict[str, dict[str, Any]] = {
    "default": {},
    "stronger regularisation": {"num_leaves": 4, "min_data_in_leaf": 80, "lambda_l2": 10.0},
    "weaker regularisation": {"num_leaves": 15, "min_data_in_leaf": 15, "lambda_l2": 0.1},
    "linear trees": {"linear_tree": True, "linear_lambda": 1.0},
}
UNEXPLAINABLE = ("linear_tree",)  # parameters whose models LightGBM cannot explain
SEARCH_ROWS = 50_000


@dataclass(frozen=True)
class Candidate:
    """One point of the grid and how it scored on the validation leads."""

    name: str
    changes: dict[str, Any]  # against DEFAULT_PARAMS and the caller's parameters
    score: float
    trees: int
    shippable: bool


@dataclass(frozen=True)
class Tuning:
    """The chosen LightGBM model, early-stopped on all training leads, and the search."""

    booster: lgb.Booster
    params: dict[str, Any]  # DEFAULT_PARAMS, the caller's, the chosen candidate's
    chosen: str
    score: float  # the chosen booster's validation score
    candidates: list[Candidate]
    searched_on: int  # training leads the candidates were fitted on

    def summary(self, metric_label: str) -> str:
        """'LightGBM tuned on validation ROC-AUC: default 0.861, ... ; chosen: default'."""
        scores = ", ".join(
            f"{c.name} {c.score:.3f}{'' if c.shippable else ' (not shippable)'}"
            for c in self.candidates
        )
        return f"LightGBM tuned on validation {metric_label}: {scores}; chosen: {self.chosen}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen,
            "searched_on": self.searched_on,
            "candidates": [asdict(c) for c in self.candidates],
        }


def tune_booster(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    parts: tuple[np.ndarray, np.ndarray],
    *,
    feature_names: Sequence[str],
    categorical: Sequence[int],
    params: Mapping[str, Any],
    metric: Metric,
) -> Tuning:
    """Fit each candidate on the training leads, keep the best shippable one on validation.

    ``data`` is (X, y, weight) of all labelled leads, ``parts`` the (train, valid) rows.
    Parameters the caller sets in ``params`` are kept: candidates vary only the others.
    """
    X, y, weight = data
    train, valid = parts
    search = _search_rows(train)
    grid = _grid(params)
    fitted: dict[str, lgb.Booster] = {}
    candidates = []
    for name, changes in grid.items():
        booster = fit_booster(
            X[search], y[search], weight[search], X[valid], y[valid],
            feature_names=feature_names, categorical=categorical,
            params={**params, **changes},
        )  # fmt: skip
        score = validation_score(metric, y[valid], _raw(booster, X[valid]))
        shippable = not any(changes.get(key) for key in UNEXPLAINABLE)
        trees = int(booster.best_iteration or booster.current_iteration())
        candidates.append(Candidate(name, changes, score, trees, shippable))
        fitted[name] = booster
    best = _best([c for c in candidates if c.shippable], metric)
    chosen_params = {**DEFAULT_PARAMS, **params, **best.changes}
    booster, score = fitted[best.name], best.score
    if len(search) < len(train):  # searched on a sample: the chosen one on all leads
        booster = fit_booster(
            X[train], y[train], weight[train], X[valid], y[valid],
            feature_names=feature_names, categorical=categorical, params=chosen_params,
        )  # fmt: skip
        score = validation_score(metric, y[valid], _raw(booster, X[valid]))
    return Tuning(booster, chosen_params, best.name, score, candidates, len(search))


def _raw(booster: lgb.Booster, X: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(X, raw_score=True))


def _grid(params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The candidates without the parameters the caller fixed, duplicates dropped."""
    grid: dict[str, dict[str, Any]] = {}
    for name, changes in CANDIDATES.items():
        free = {k: v for k, v in changes.items() if k not in params}
        if free not in grid.values():
            grid[name] = free
    return grid


def _best(candidates: list[Candidate], metric: Metric) -> Candidate:
    best = candidates[0]  # the default: kept on a tie
    for candidate in candidates[1:]:
        if better(metric, candidate.score, best.score):
            best = candidate
    return best


def _search_rows(train: np.ndarray) -> np.ndarray:
    if len(train) <= SEARCH_ROWS:
        return train
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(train, SEARCH_ROWS, replace=False))

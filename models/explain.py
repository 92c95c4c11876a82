"""Per-lead explanations, exact in log-odds, in score points that add up.

How a score is explained:

1. **Log-odds.** ``estimator.predict(X, pred_contrib=True)`` gives one contribution per
   model column plus the expected value (the base): LightGBM's own TreeSHAP for a
   booster; coefficient × centred encoded value for the logistic model
   (:mod:`models.linear`). Columns are summed back to the
   input field they come from (``LeadTransformer.sources_``), so an email that feeds a
   free-mail flag and a title that feeds seniority and function are one reason each.
   Base + contributions = the estimator's raw score.
2. **Points.** The base is worth ``100 × calibrated(base)`` points. The rest of the score,
   ``100 × calibrated(raw) − base points``, is shared among the fields in proportion to
   their log-odds: every contribution of a lead is multiplied by the same factor, the
   slope of the calibration curve between the base and the lead's raw score. Signs and
   ratios are kept; a field that pushes the log-odds up adds points.
3. **Rounding.** Points are shown to 0.1. Field points are rounded to tenths by the
   largest-remainder method, so that base points + field points equal the returned
   (rounded) score exactly; a rounding step never flips a field's sign.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

import lightgbm as lgb
import numpy as np

from features.spec import LeadSpec
from features.transform import LeadTransformer
from models.evidence import bucket_key, sentence, shown_value
from models.linear import LinearModel
from models.report import FieldStats, ModelReport, field_label
from models.threads import predict_threads

_SMALL_LOG_ODDS = 1e-9


class Reason(TypedDict):
    field: str
    value: Any
    points: float
    sentence: str


class Contribution(Reason):
    log_odds: float


class LeadReasons(TypedDict):
    """What ``?explain=true`` adds to a score: top reasons, fit and engagement."""

    reasons: list[Reason]
    fit: float | None
    engagement: float | None


class Explanation(TypedDict):
    """Every field's contribution to one score; base points + points = score."""

    base_points: float
    base_log_odds: float
    log_odds: float
    contributions: list[Contribution]
    fit: float | None
    engagement: float | None
    groups: dict[str, float]


def top_reason_order(points: Sequence[float], top: int) -> list[int]:
    """Where the top reasons are: the ``top`` largest positive points, largest first, then
    the ``top`` most negative, most negative first. Ties keep the order given.

    The one rule for "top reasons", used by the API and the marketing page alike.
    """
    up = sorted((j for j, p in enumerate(points) if p > 0), key=lambda j: -points[j])
    down = sorted((j for j, p in enumerate(points) if p < 0), key=lambda j: points[j])
    return up[:top] + down[:top]


def field_matrix(sources: Sequence[str], fields: Sequence[str]) -> np.ndarray:
    """0/1 matrix (model columns × input fields) that sums columns back to their field."""
    index = {field: i for i, field in enumerate(fields)}
    matrix = np.zeros((len(sources), len(fields)))
    for column, field in enumerate(sources):
        matrix[column, index[field]] = 1.0
    return matrix


def log_odds_contributions(
    estimator: lgb.Booster | LinearModel, X: np.ndarray, grouping: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(base, contributions per field) in log-odds; base + row sum = raw score."""
    threads = predict_threads(len(X))
    contrib = np.asarray(estimator.predict(X, pred_contrib=True, num_threads=threads))
    return contrib[:, -1], contrib[:, :-1] @ grouping


def to_tenths(
    base: np.ndarray,
    contributions: np.ndarray,
    calibrate: Callable[[np.ndarray], np.ndarray],
    scores: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Base points and field points in tenths of a point (integers), adding up to ``scores``.

    ``calibrate`` maps raw log-odds to probabilities; ``scores`` are the returned scores
    (0–100, rounded to 0.1). See the module docstring for the rule.
    """
    total = contributions.sum(axis=1)
    base_points = 100.0 * calibrate(base)
    lead_points = 100.0 * calibrate(base + total)
    h = 1e-4
    slope_at_base = 100.0 * (calibrate(base + h) - calibrate(base - h)) / (2 * h)
    small = np.abs(total) < _SMALL_LOG_ODDS
    slope = np.where(small, slope_at_base, (lead_points - base_points) / np.where(small, 1, total))
    exact = contributions * slope[:, None] * 10.0
    base_tenths = np.rint(base_points * 10.0)
    target = np.rint(np.asarray(scores, dtype=float) * 10.0) - base_tenths
    tenths = np.rint(exact)
    gap = target - tenths.sum(axis=1)
    for i in np.flatnonzero(gap):
        _settle(tenths[i], exact[i], int(gap[i]))
    return base_tenths.astype(np.int64), tenths.astype(np.int64)


def _settle(tenths: np.ndarray, exact: np.ndarray, gap: int) -> None:
    """Move ``gap`` tenths onto the fields that rounding short-changed most (in place)."""
    step = 1 if gap > 0 else -1
    want = (exact - tenths) * step
    moving = [j for j in range(len(exact)) if exact[j] != 0] or list(range(len(exact)))

    def keeps_sign(j: int) -> bool:
        after = int(tenths[j]) + step
        return after == 0 or (after > 0) == bool(exact[j] > 0)

    order = sorted(moving, key=lambda j: (not keeps_sign(j), -want[j]))
    for k in range(abs(gap)):
        tenths[order[k % len(order)]] += step


class Explainer:
    """Explains the scores of one fitted model; cheap to build, holds no lead data."""

    def __init__(
        self,
        spec: LeadSpec,
        transformer: LeadTransformer,
        estimator: lgb.Booster | LinearModel,
        calibrate: Callable[[np.ndarray], np.ndarray],
        report: ModelReport | None,
    ) -> None:
        self.spec, self.estimator, self.calibrate = spec, estimator, calibrate
        self.report = report
        self.fields = spec.feature_fields
        self.grouping = field_matrix(transformer.sources_, self.fields)
        known = report.fields if report is not None else {}
        self.stats = [known.get(f) or _no_stats(f, k) for f, k in spec.feature_kinds.items()]
        self.personal = [f in spec.privacy.personal for f in self.fields]
        self.groups = {
            name: [self.fields.index(f) for f in members]
            for name, members in spec.features.groups.items()
        }

    def points(
        self, X: np.ndarray, scores: Sequence[float] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(base log-odds, field log-odds, base tenths, field tenths) for encoded leads."""
        base, contributions = log_odds_contributions(self.estimator, X, self.grouping)
        base_tenths, tenths = to_tenths(base, contributions, self.calibrate, np.asarray(scores))
        return base, contributions, base_tenths, tenths

    def reasons(
        self,
        records: Sequence[Mapping[str, Any]],
        X: np.ndarray,
        scores: Sequence[float],
        top: int = 3,
    ) -> list[LeadReasons]:
        """Top ``top`` reasons up and down per lead, with fit and engagement."""
        _, _, _, tenths = self.points(X, scores)
        out: list[LeadReasons] = []
        for record, row, lead in zip(records, X, tenths, strict=True):
            groups = self._groups(lead)
            out.append(
                {
                    "reasons": [
                        self._reason(j, record, row, lead[j])
                        for j in top_reason_order(lead.tolist(), top)
                    ],
                    "fit": groups.get("fit"),
                    "engagement": groups.get("engagement"),
                }
            )
        return out

    def explain(self, record: Mapping[str, Any], X: np.ndarray, score: float) -> Explanation:
        """Every field's contribution to one lead's score, largest effect first."""
        base, contributions, base_tenths, tenths = self.points(X[:1], [score])
        lead, log_odds = tenths[0], contributions[0]
        order = sorted(range(len(self.fields)), key=lambda j: (-abs(lead[j]), -abs(log_odds[j])))
        rows: list[Contribution] = []
        for j in order:
            reason = self._reason(j, record, X[0], lead[j])
            rows.append({**reason, "log_odds": float(log_odds[j])})
        groups = self._groups(lead)
        return {
            "base_points": float(base_tenths[0]) / 10.0,
            "base_log_odds": float(base[0]),
            "log_odds": float(base[0] + log_odds.sum()),
            "contributions": rows,
            "fit": groups.get("fit"),
            "engagement": groups.get("engagement"),
            "groups": groups,
        }

    def _reason(self, j: int, record: Mapping[str, Any], row: np.ndarray, tenths: int) -> Reason:
        stats, value = self.stats[j], record.get(self.fields[j])
        points = float(tenths) / 10.0
        key = bucket_key(stats, row)
        bucket = stats.bucket(key) if key is not None else None
        base_rate = self.report.base_rate if self.report is not None else None
        shown = shown_value(stats, value, self.personal[j])
        text = sentence(stats, key, bucket, shown, points, base_rate)
        return {"field": self.fields[j], "value": value, "points": points, "sentence": text}

    def _groups(self, tenths: np.ndarray) -> dict[str, float]:
        return {name: float(tenths[idx].sum()) / 10.0 for name, idx in self.groups.items()}


def _no_stats(field: str, kind: str) -> FieldStats:
    """Stand-in for models trained before reports existed: sentences without evidence."""
    return FieldStats(field=field, label=field_label(field), kind=kind, column=None, buckets=[])

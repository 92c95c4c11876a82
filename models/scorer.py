"""``LeadScorer``: the one deployable object serving calls.

It bundles the fitted transform, the scoring estimator (a LightGBM booster, or the
logistic model of :mod:`models.linear` when it won on validation), the calibrator and the
grade and routing policies, and carries the spec, the model card and the model report (the evidence
behind explanations). It is saved as data files by :mod:`models.saved`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.errors import DataError
from features.spec import LeadSpec
from features.transform import LeadTransformer
from features.values import parse_text
from models.calibration import ScoreCalibrator
from models.card import ModelCard
from models.explain import Explainer, Explanation, LeadReasons
from models.linear import LinearModel
from models.loss_reasons import LossReasonModel
from models.policy import GradePolicy, Route, Routes, RoutingPolicy
from models.report import ModelReport
from models.threads import SINGLE_THREAD_ROWS, predict_threads


class LeadScore(TypedDict):
    lead_id: str
    score: float
    probability: float
    grade: str
    route: Route


@dataclass
class LeadScorer:
    """Transform + estimator + calibrator + grade and routing policies, with spec and card."""

    spec: LeadSpec
    transformer: LeadTransformer
    estimator: lgb.Booster | LinearModel
    calibrator: ScoreCalibrator
    grades: GradePolicy
    routing: RoutingPolicy
    card: ModelCard
    # A model without a report is explained without evidence; without a loss-reason model
    # its nurture leads get the general track.
    report: ModelReport | None = None
    loss_reasons: LossReasonModel | None = None

    def raw_scores(self, X: np.ndarray) -> np.ndarray:
        """The estimator's raw log-odds for an encoded matrix."""
        threads = predict_threads(len(X))
        return np.asarray(self.estimator.predict(X, raw_score=True, num_threads=threads))

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for an encoded matrix."""
        return self.calibrator.predict(self.raw_scores(X))

    def score_records(
        self, records: Sequence[Mapping[str, Any]], *, on: date | None = None
    ) -> list[LeadScore]:
        """Score leads given as dicts of spec fields: the serving hot path (no DataFrame).

        ``on`` is the day of scoring (default: today, UTC), from which re-engage dates count.
        """
        X = self.transformer.transform_records(records)
        ids = [str(r[self.spec.lead.id]) for r in records]
        return self._results(ids, X, on)

    def explainer(self) -> Explainer:
        """Explains this model's scores (exact contributions, points, reasons); cheap."""
        return Explainer(
            self.spec, self.transformer, self.estimator, self.calibrator.predict, self.report
        )

    def explain_records(
        self, records: Sequence[Mapping[str, Any]], top: int = 3
    ) -> list[tuple[LeadScore, LeadReasons]]:
        """Score leads and add top reasons, fit and engagement (slower than scoring)."""
        X = self.transformer.transform_records(records)
        results = self._results([str(r[self.spec.lead.id]) for r in records], X)
        reasons = self.explainer().reasons(records, X, [r["score"] for r in results], top)
        return list(zip(results, reasons, strict=True))

    def explain_record(self, record: Mapping[str, Any]) -> tuple[LeadScore, Explanation]:
        """Score one lead and explain it field by field (base points + points = score)."""
        X = self.transformer.transform_records([record])
        result = self._results([str(record[self.spec.lead.id])], X)[0]
        return result, self.explainer().explain(record, X, result["score"])

    def score_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Score a DataFrame of leads; one flat row per lead (the pyfunc output).

        Columns the spec does not name as features are ignored; absent feature columns are
        missing values, as an absent key is in a request. Column by column: no Python per lead.
        """
        id_field, fields = self.spec.lead.id, self.spec.feature_fields
        if id_field not in frame:
            raise DataError(f"the lead id column {id_field!r} is absent", field=id_field)
        X = self.transformer.transform(frame.reindex(columns=fields))
        return self._scores(_lead_ids(frame[id_field].tolist()), X).frame()

    def _results(self, ids: list[str], X: np.ndarray, on: date | None = None) -> list[LeadScore]:
        return self._scores(ids, X, on).records()

    def _scores(self, ids: list[str], X: np.ndarray, on: date | None = None) -> Scores:
        p = self.probabilities(X)
        grades = self.grades.assign(p)
        targets = self._target_accounts(X)
        reasons = self._loss_reasons(X, self.routing.nurture_mask(grades, targets))
        return Scores(ids, p, grades, self.routing.routes(grades, targets, reasons, on))

    def _loss_reasons(self, X: np.ndarray, nurture: np.ndarray) -> np.ndarray:
        """Most likely loss reasons of the leads bound for nurture (one predict per batch)."""
        reasons = np.full(len(X), None, dtype=object)
        if self.loss_reasons is not None and nurture.any():
            reasons[nurture] = self.loss_reasons.predict(X[nurture])
        return reasons

    def _target_accounts(self, X: np.ndarray) -> np.ndarray:
        column = self.transformer.target_account_column
        return np.zeros(len(X), dtype=bool) if column is None else X[:, column] == 1.0


@dataclass(frozen=True)
class Scores:
    """The scores of a batch, column by column; as dicts (the API) or a flat DataFrame."""

    lead_ids: list[str]
    probabilities: np.ndarray  # calibrated, not rounded
    grades: np.ndarray
    routes: Routes

    def records(self) -> list[LeadScore]:
        rows = zip(self.lead_ids, _rounded(self.probabilities * 100.0, 1),
                   _rounded(self.probabilities, 4), self.grades.tolist(), self.routes.records(),
                   strict=True)  # fmt: skip
        return [
            {"lead_id": i, "score": s, "probability": p, "grade": g, "route": r}
            for i, s, p, g, r in rows
        ]

    def frame(self) -> pd.DataFrame:
        routes = self.routes
        out = pd.DataFrame({
            "lead_id": self.lead_ids,
            "score": _rounded(self.probabilities * 100.0, 1),
            "probability": _rounded(self.probabilities, 4),
            "grade": self.grades.tolist(),
            "queue": routes.queue.tolist(),
            "follow_up_within_hours": routes.follow_up_within_hours,
            "track": routes.track,
            "re_engage_on": routes.re_engage_on,
        })  # fmt: skip
        # Text columns with gaps stay objects holding None: Spark's conversion of pandas'
        # string dtype would turn a missing track into the text "nan".
        for column in ("track", "re_engage_on"):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        return out


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    """``round(v, digits)`` of each value, as Python rounds (correctly, from the binary value).

    NumPy's ``round`` scales, rounds and scales back, which can differ from Python's when
    the scaled value lies within rounding error of a half: those few are rounded by Python.
    """
    if len(values) <= SINGLE_THREAD_ROWS:  # a few leads: Python's round is the quicker
        return [round(v, digits) for v in values.tolist()]
    scaled = values * 10.0**digits
    out = np.round(scaled) / 10.0**digits
    near_half = np.flatnonzero(np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6)
    out[near_half] = [round(float(v), digits) for v in values[near_half]]
    return out.tolist()  # type: ignore[no-any-return]


def _lead_ids(values: list[Any]) -> list[str]:
    """Lead ids as text, read as the API reads them (stripped; numbers as text)."""
    return [v.strip() or "None" if type(v) is str else str(parse_text(v)) for v in values]

"""``LeadScorer``: the one deployable object serving calls.

It bundles the fitted transform, the LightGBM booster, the calibrator and the grade and
routing policies, and carries the spec, the model card and the model report (the evidence
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
from models.loss_reasons import LossReasonModel
from models.policy import GradePolicy, Route, RoutingPolicy
from models.report import ModelReport
from models.threads import predict_threads


class LeadScore(TypedDict):
    lead_id: str
    score: float
    probability: float
    grade: str
    route: Route


@dataclass
class LeadScorer:
    """Transform + booster + calibrator + grade and routing policies, with spec and card."""

    spec: LeadSpec
    transformer: LeadTransformer
    booster: lgb.Booster
    calibrator: ScoreCalibrator
    grades: GradePolicy
    routing: RoutingPolicy
    card: ModelCard
    # A model without a report is explained without evidence; without a loss-reason model
    # its nurture leads get the general track.
    report: ModelReport | None = None
    loss_reasons: LossReasonModel | None = None

    def raw_scores(self, X: np.ndarray) -> np.ndarray:
        """The booster's raw log-odds for an encoded matrix."""
        threads = predict_threads(len(X))
        return np.asarray(self.booster.predict(X, raw_score=True, num_threads=threads))

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
        """Explains this model's scores (TreeSHAP, points, reasons); cheap to build."""
        return Explainer(
            self.spec, self.transformer, self.booster, self.calibrator.predict, self.report
        )

    def explain_records(
        self, records: Sequence[Mapping[str, Any]], top: int = 3
    ) -> list[tuple[LeadScore, LeadReasons]]:
        """Score leads and add top reasons, fit and engagement (TreeSHAP: slower than scoring)."""
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
        missing values, as an absent key is in a request.
        """
        id_field, fields = self.spec.lead.id, self.spec.feature_fields
        X = self.transformer.transform(frame.reindex(columns=fields))
        ids = [str(parse_text(v)) for v in frame[id_field]] if id_field in frame else []
        if len(ids) != len(frame):
            raise DataError(f"the lead id column {id_field!r} is absent", field=id_field)
        rows = [
            {**{k: v for k, v in r.items() if k != "route"}, **r["route"]}
            for r in self._results(ids, X)
        ]
        out = pd.DataFrame(rows, columns=[*_RESULT_COLUMNS])
        # Text columns with gaps stay objects holding None: Spark's conversion of pandas'
        # string dtype would turn a missing track into the text "nan".
        for column in ("track", "re_engage_on"):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        return out

    def _results(self, ids: list[str], X: np.ndarray, on: date | None = None) -> list[LeadScore]:
        p = self.probabilities(X)
        grades = self.grades.assign(p)
        targets = self._target_accounts(X)
        reasons = self._loss_reasons(X, self.routing.nurture_mask(grades, targets))
        routes = self.routing.routes(grades, targets, reasons, on)
        return [
            {
                "lead_id": lead_id,
                "score": round(float(prob) * 100.0, 1),
                "probability": round(float(prob), 4),
                "grade": str(grade),
                "route": route,
            }
            for lead_id, prob, grade, route in zip(ids, p, grades, routes, strict=True)
        ]

    def _loss_reasons(self, X: np.ndarray, nurture: np.ndarray) -> list[str | None]:
        """Most likely loss reasons of the leads bound for nurture (one predict per batch)."""
        reasons: list[str | None] = [None] * len(X)
        rows = np.flatnonzero(nurture)
        if self.loss_reasons is not None and rows.size:
            for row, reason in zip(rows, self.loss_reasons.predict(X[rows]), strict=True):
                reasons[row] = reason
        return reasons

    def _target_accounts(self, X: np.ndarray) -> np.ndarray:
        column = self.transformer.target_account_column
        return np.zeros(len(X), dtype=bool) if column is None else X[:, column] == 1.0


_RESULT_COLUMNS = (
    "lead_id",
    "score",
    "probability",
    "grade",
    "queue",
    "follow_up_within_hours",
    "track",
    "re_engage_on",
)

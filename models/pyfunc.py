"""The MLflow pyfunc face of ``LeadScorer``.

With it, ``mlflow.pyfunc.load_model``, ``mlflow models serve`` and Spark's
``mlflow.pyfunc.spark_udf`` all score leads with exactly the object serving uses.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from models.scorer import LeadScorer

SCORER_ARTIFACT = "scorer"


class LeadScorerModel(PythonModel):
    """Loads the joblib-saved ``LeadScorer`` from the model's artifacts."""

    scorer: LeadScorer

    def load_context(self, context: PythonModelContext) -> None:
        self.scorer = LeadScorer.load(context.artifacts[SCORER_ARTIFACT])

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """One row per lead: lead_id, score, probability, grade, queue, follow-up, track."""
        return self.scorer.score_frame(pd.DataFrame(model_input))

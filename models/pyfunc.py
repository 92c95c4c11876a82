"""The MLflow pyfunc face of ``LeadScorer``, for MLflow's own tools.

The model is logged with ``loader_module="models.pyfunc"`` and the model folder of data
files (:mod:`models.saved`) as its data: ``mlflow.pyfunc.load_model``, ``mlflow models
serve`` and Spark's ``mlflow.pyfunc.spark_udf`` import this module from the installed
leadgrade package and call :func:`_load_pyfunc`. Nothing is pickled, and the artifact
carries no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models.saved import load_scorer
from models.scorer import LeadScorer

# The model folder inside the MLflow model's ``data/`` directory.
DATA_FOLDER = "leadgrade"
LOADER_MODULE = "models.pyfunc"


class LeadScorerPyfunc:
    """What MLflow's pyfunc calls: ``predict(DataFrame)`` → one flat score row per lead."""

    def __init__(self, scorer: LeadScorer) -> None:
        self.scorer = scorer

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Lead id, score, probability, grade, queue, follow-up hours, track, re-engage date.

        Columns other than the lead id and the spec's features are ignored (an export's
        outcome and feedback columns among them); absent feature columns are missing values.
        """
        return self.scorer.score_frame(pd.DataFrame(model_input))


def _load_pyfunc(data_path: str) -> LeadScorerPyfunc:
    """MLflow's loader-module entry point: read the model folder as data."""
    return LeadScorerPyfunc(load_scorer(Path(data_path)))

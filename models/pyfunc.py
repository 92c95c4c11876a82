"""The MLflow pyfunc face of ``LeadScorer``, for MLflow's own tools.

The model is logged with ``loader_module="models.pyfunc"``, the model folder of data
files (:mod:`models.saved`) as its data and a copy of the packages this module needs
(:data:`CODE_PACKAGES`) as its code: ``mlflow.pyfunc.load_model``, ``mlflow models serve``
and Spark's ``mlflow.pyfunc.spark_udf`` import this module from that copy (or from an
installed leadgrade, which MLflow's copy comes before on ``sys.path``) and call
:func:`_load_pyfunc`. Nothing is pickled. The scoring service never imports the copy: it
reads the data folder with its own code.
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
# The leadgrade packages this module imports (models imports only features).
CODE_PACKAGES = ("features", "models")


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

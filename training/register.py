"""The one step both ways in to training share: train on a frame, log to MLflow, register.

``training.from_file`` and ``training.from_store`` each read their leads and a spec, then
hand them here, so a model trained either way is checked, carded and logged the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from features.spec import LeadSpec
from training.leakage import LeakageError
from training.pipeline import Progress, train_scorer
from training.settings import TrainSettings
from training.stopped import record_stopped_run
from training.tracking import RegisteredRun, log_training, use_tracking


def fit_and_register(
    frame: pd.DataFrame,
    spec: LeadSpec,
    spec_text: str | None,
    *,
    source: str,
    extra_params: dict[str, Any],
    settings: TrainSettings,
    allow_leaky: Sequence[str] = (),
    warnings: Sequence[str] = (),
    progress: Progress = lambda _: None,
) -> RegisteredRun:
    """Train on a frame, add ``warnings`` to the model card, log to MLflow, register.

    ``allow_leaky`` names features the leakage audit may flag without failing the run, on
    top of those the settings allow.
    """
    use_tracking(settings)  # an unreachable tracking URI fails now, not after the fit
    allowed = (*settings.checks.allow_leaky, *allow_leaky)
    checks = settings.checks.model_copy(update={"allow_leaky": allowed})
    try:
        result = train_scorer(frame, spec, model_name=settings.model_name, source=source,
                              checks=checks, metric=settings.promotion_metric,
                              progress=progress)  # fmt: skip
    except LeakageError as exc:
        run_id = record_stopped_run(
            exc, spec, settings, spec_text=spec_text, extra_params=extra_params
        )
        progress(f"the leakage audit stopped the run: recorded as FAILED MLflow run {run_id}")
        exc.details["run_id"] = run_id
        raise
    if warnings:
        card = result.scorer.card
        result.scorer.card = card.model_copy(update={"warnings": [*card.warnings, *warnings]})
    progress("logging the run to MLflow")
    return log_training(result, settings, spec_text=spec_text, extra_params=extra_params)

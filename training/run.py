"""Train from a file and register the result: the body of ``leadgrade train``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from features.spec import LeadSpec, demo_spec_text
from training.leakage import LeakageError
from training.pipeline import Progress, train_scorer
from training.settings import TrainSettings
from training.sources import TrainingData, outcomes_path, read_training_data
from training.stopped import record_stopped_run
from training.tracking import RegisteredRun, log_training


def train_and_register(
    data: Path,
    spec_path: Path | None,
    *,
    settings: TrainSettings | None = None,
    allow_leaky: Sequence[str] = (),
    progress: Progress = lambda _: None,
) -> RegisteredRun:
    """Read (joining an outcomes file), train, evaluate, log to MLflow, register as challenger.

    ``allow_leaky`` names features the leakage audit may flag without failing the run.
    """
    settings = settings or TrainSettings()
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path else demo_spec_text()
    spec = LeadSpec.parse(spec_text, source=str(spec_path or "demo spec"))
    source = read_file(data, spec, progress)
    extra = {"data": str(data), "spec": spec.name, "data_source": "file"}
    extra |= source.dialect.params() if source.dialect else {}
    if source.join:
        extra["outcomes"] = str(outcomes_path(spec, data))
    return fit_and_log(
        source.frame,
        spec,
        spec_text,
        source=str(data),
        extra_params=extra,
        settings=settings,
        allow_leaky=allow_leaky,
        progress=progress,
    )


def read_file(data: Path, spec: LeadSpec, progress: Progress) -> TrainingData:
    """Read an export, joining the spec's outcomes file, and report the join."""
    progress(f"reading {data}")
    source = read_training_data(data, spec)
    if source.dialect:
        progress(f"read {len(source.frame)} rows as CSV: {source.dialect.describe()}")
    for line in source.join.lines() if source.join else []:
        progress(line)
    return source


def fit_and_log(
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
    """Train on a frame, add ``warnings`` to the model card, log to MLflow, register."""
    allowed = (*settings.checks.allow_leaky, *allow_leaky)
    checks = settings.checks.model_copy(update={"allow_leaky": allowed})
    try:
        result = train_scorer(frame, spec, model_name=settings.model_name, source=source,
                              checks=checks, progress=progress)  # fmt: skip
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

"""Train from a file and register the result: the body of ``leadgrade train``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from features.spec import LeadSpec, demo_spec_text
from training.pipeline import Progress, train_scorer
from training.settings import TrainSettings
from training.sources import outcomes_path, read_training_data
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
    progress(f"reading {data}")
    source = read_training_data(data, spec)
    for line in source.join.lines() if source.join else []:
        progress(line)
    allowed = (*settings.checks.allow_leaky, *allow_leaky)
    checks = settings.checks.model_copy(update={"allow_leaky": allowed})
    result = train_scorer(source.frame, spec, model_name=settings.model_name, source=str(data),
                          checks=checks, progress=progress)  # fmt: skip
    progress("logging the run to MLflow")
    extra = {"data": str(data), "spec": spec.name}
    if source.join:
        extra["outcomes"] = str(outcomes_path(spec, data))
    return log_training(result, settings, spec_text=spec_text, extra_params=extra)

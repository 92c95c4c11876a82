"""Train from a file and register the result: the body of ``leadgrade train``."""

from __future__ import annotations

from pathlib import Path

from features.spec import LeadSpec, demo_spec_text
from training.data import read_leads
from training.pipeline import Progress, train_scorer
from training.settings import TrainSettings
from training.tracking import RegisteredRun, log_training


def train_and_register(
    data: Path,
    spec_path: Path | None,
    *,
    settings: TrainSettings | None = None,
    progress: Progress = lambda _: None,
) -> RegisteredRun:
    """Read, validate, train, evaluate, log to MLflow and register as challenger."""
    settings = settings or TrainSettings()
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path else demo_spec_text()
    spec = LeadSpec.parse(spec_text, source=str(spec_path or "demo spec"))
    progress(f"reading {data}")
    frame = read_leads(data)
    result = train_scorer(frame, spec, model_name=settings.model_name, source=str(data),
                          progress=progress)  # fmt: skip
    progress("logging the run to MLflow")
    return log_training(result, settings, spec_text=spec_text,
                        extra_params={"data": str(data), "spec": spec.name})  # fmt: skip

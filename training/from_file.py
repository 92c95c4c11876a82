"""Training from a CRM export: the body of ``leadgrade train`` (``--data``, ``--spec``).

The twin of ``training.from_store``: read the leads and the spec, then
:func:`training.register.fit_and_register`. An ``[outcome] file`` in the spec is joined
to the leads by id (see ``training.sources``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from features.spec import demo_spec, demo_spec_text, load_spec_with_text
from training.pipeline import Progress
from training.register import fit_and_register
from training.settings import TrainSettings
from training.sources import outcomes_path, read_training_data
from training.tracking import RegisteredRun


def train_from_file(
    data: Path,
    spec_path: Path | None,
    *,
    settings: TrainSettings | None = None,
    allow_leaky: Sequence[str] = (),
    progress: Progress = lambda _: None,
) -> RegisteredRun:
    """Read (joining an outcomes file), train, evaluate, log to MLflow, register as challenger.

    Without ``spec_path`` the demo spec is used. ``allow_leaky`` names features the leakage
    audit may flag without failing the run.
    """
    settings = settings or TrainSettings()
    if spec_path is None:
        spec, spec_text = demo_spec(), demo_spec_text()
    else:
        spec, spec_text = load_spec_with_text(spec_path)
    source = read_training_data(data, spec, progress)
    extra = {"data": str(data), "spec": spec.name, "data_source": "file"}
    extra |= source.dialect.params() if source.dialect else {}
    if source.join:
        extra["outcomes"] = str(outcomes_path(spec, data))
    return fit_and_register(
        source.frame,
        spec,
        spec_text,
        source=str(data),
        extra_params=extra,
        settings=settings,
        allow_leaky=allow_leaky,
        progress=progress,
    )

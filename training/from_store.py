"""Retraining from what sales reported: the body of ``leadgrade train --from-store``.

The twin of ``training.from_file``: read the leads and the spec, then
:func:`training.register.fit_and_register`.

The training set is the lead store's leads, with their fields as first scored and their
latest outcome, alone or together with a CRM export (see ``training.store_data``). Leads
still open after the maturity window are reported, not taken as losses. The spec is the
one given, or the current champion's (so that the new model reads the leads the same
way), or the demo spec when there is no champion yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException

from features.errors import DataError
from features.spec import LeadSpec, demo_spec, demo_spec_text, load_spec_with_text
from models.registry import CHAMPION, LoadedModel, ModelNotFound, alias_uri, load_model
from store.engine import shown_url
from training.pipeline import Progress
from training.register import fit_and_register
from training.settings import TrainSettings
from training.sources import read_training_data
from training.store_data import CombinedData, combine, read_store, stale_warning
from training.tracking import RegisteredRun


@dataclass(frozen=True)
class ResolvedSpec:
    spec: LeadSpec
    text: str | None  # the TOML as written, when it is known
    origin: str  # where it came from, for progress lines and MLflow


def train_from_store(
    data: Path | None,
    spec_path: Path | None,
    *,
    maturity_days: int = 90,
    settings: TrainSettings | None = None,
    allow_leaky: Sequence[str] = (),
    progress: Progress = lambda _: None,
) -> RegisteredRun:
    """Train on the lead store (and on ``data``, if given), log to MLflow, register."""
    settings = settings or TrainSettings()
    resolved = resolve_spec(spec_path, settings)
    progress(f"spec: {resolved.origin}")
    combined = load_training_set(
        settings.resolved_database_url, resolved.spec, data, maturity_days, progress
    )
    stale = combined.store.stale_open
    return fit_and_register(
        combined.frame,
        resolved.spec,
        resolved.text,
        source=_source(settings.resolved_database_url, data),
        extra_params=_params(combined, settings, data, maturity_days, resolved),
        settings=settings,
        allow_leaky=allow_leaky,
        warnings=[stale_warning(stale, maturity_days)] if stale else [],
        progress=progress,
    )


def load_training_set(
    url: str, spec: LeadSpec, data: Path | None, maturity_days: int, progress: Progress
) -> CombinedData:
    """The store's leads, combined with the export's when ``data`` is given."""
    progress(f"reading the lead store at {shown_url(url)}")
    stored = read_store(url, spec, maturity_days=maturity_days, include_open=data is not None)
    exported = None if data is None else read_training_data(data, spec, progress).frame
    combined = combine(stored, exported, spec)
    for line in combined.lines(maturity_days):
        progress(line)
    if combined.frame.empty:
        raise DataError(
            f"the lead store at {shown_url(url)} has no lead with an outcome yet: report "
            "outcomes (POST /v1/leads/{id}/outcome, or leadgrade demo-feedback), or add --data"
        )
    return combined


def resolve_spec(spec_path: Path | None, settings: TrainSettings) -> ResolvedSpec:
    """The given spec, else the champion's, else the demo spec."""
    if spec_path is not None:
        spec, text = load_spec_with_text(spec_path)
        return ResolvedSpec(spec, text, str(spec_path))
    try:
        champion = load_model(alias_uri(settings.model_name, CHAMPION), settings.mlflow_uri)
    except ModelNotFound:
        return ResolvedSpec(demo_spec(), demo_spec_text(), "the demo spec (no champion yet)")
    origin = f"the spec of champion {champion.info.name} version {champion.info.version}"
    return ResolvedSpec(champion.scorer.spec, _logged_spec_text(champion), origin)


def _logged_spec_text(model: LoadedModel) -> str | None:
    """The spec TOML logged with the model's run; None if the run has none."""
    try:
        return str(mlflow.artifacts.load_text(f"runs:/{model.info.run_id}/spec.toml"))
    except (MlflowException, OSError):
        return None


def _source(url: str, data: Path | None) -> str:
    store = f"lead store {shown_url(url)}"
    return store if data is None else f"{store} + {data}"


def _params(
    combined: CombinedData,
    settings: TrainSettings,
    data: Path | None,
    maturity_days: int,
    spec: ResolvedSpec,
) -> dict[str, str | int]:
    """Where the leads came from, as MLflow params."""
    store = combined.store
    params: dict[str, str | int] = {
        "data_source": "store" if data is None else "store+file",
        "store": shown_url(settings.resolved_database_url),
        "spec": spec.spec.name,
        "spec_source": spec.origin,
        "maturity_days": maturity_days,
        "store_won": store.won,
        "store_lost": store.lost,
        "store_open": store.open,
        "store_stale_open": store.stale_open,
        **{f"leads_{key}": value for key, value in combined.counts.items()},
    }
    if data is not None:
        params["data"] = str(data)
    return params

"""MLflow logging of a training run and registration of its model as the challenger."""

from __future__ import annotations

import importlib.util
import json
import re
import tempfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from matplotlib.figure import Figure
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema
from mlflow.types.schema import AnyType

from features.derived import email_domain
from features.errors import LeadgradeError
from features.scrubbing import scrub_value
from features.spec import LeadSpec
from models.pyfunc import CODE_PACKAGES, DATA_FOLDER, LOADER_MODULE
from models.registry import CHALLENGER
from models.saved import save_scorer
from models.scorer import LeadScorer
from training.pipeline import LABEL_COLUMN, TrainingResult
from training.plots import (
    calibration_figure,
    grade_conversion_figure,
    importance_figure,
    value_conversion_figure,
)
from training.settings import TrainSettings

# What the pyfunc's code imports (MLflow to load it, pyarrow for pandas' text columns).
_MODEL_REQUIREMENTS = (
    "mlflow", "lightgbm", "scikit-learn", "numpy", "pandas", "pyarrow", "pydantic", "scipy",
)  # fmt: skip


@dataclass(frozen=True)
class RegisteredRun:
    run_id: str
    version: str
    model_name: str


class TrackingUnavailable(LeadgradeError):
    """The MLflow tracking server or database cannot be reached or used."""

    code = "tracking_unavailable"


def use_tracking(settings: TrainSettings) -> MlflowClient:
    """Point MLflow at the configured tracking and registry URI; create the experiment.

    An unreachable tracking URI is a :class:`TrackingUnavailable` naming it, so that a
    training run can check it before it spends minutes fitting.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_registry_uri(settings.mlflow_uri)
    client = MlflowClient()
    try:
        if client.get_experiment_by_name(settings.experiment) is None:
            client.create_experiment(settings.experiment, artifact_location=settings.artifact_root)
        mlflow.set_experiment(settings.experiment)
    except MlflowException as exc:
        reason = str(exc).splitlines()[0][:300]
        raise TrackingUnavailable(
            f"cannot use the MLflow tracking URI {settings.mlflow_uri}: {reason}",
            field="LEADGRADE_TRACKING_URI",
        ) from exc
    return client


def log_training(
    result: TrainingResult,
    settings: TrainSettings,
    *,
    spec_text: str | None,
    extra_params: dict[str, Any],
) -> RegisteredRun:
    """Log params, metrics, spec, evaluation, plots and the pyfunc model; alias it challenger.

    The spec is logged as written (``spec.toml``), or as JSON when its text is unknown.
    """
    client = use_tracking(settings)
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
        mlflow.log_params({**_flat_params(result.params), **extra_params})
        mlflow.log_metrics(result.evaluations["model"].flat_metrics())
        mlflow.log_metrics(result.evaluations["baseline"].flat_metrics(prefix="baseline_"))
        if spec_text is None:
            mlflow.log_dict(result.scorer.spec.model_dump(mode="json"), "spec.json")
        else:
            mlflow.log_text(spec_text, "spec.toml")
        mlflow.log_dict(result.scorer.card.model_dump(mode="json"), "model_card.json")
        mlflow.log_dict(
            {k: e.model_dump() for k, e in result.evaluations.items()}, "evaluation.json"
        )
        mlflow.log_dict(asdict(result.validation), "validation.json")
        _log_leakage_audit(result)
        _log_win_rates(result)
        _log_choice(result)
        _log_loss_reasons(result)
        _log_plots(result)
        _log_report(result)
        holdout = Path(tmp) / "holdout.parquet"
        loggable_holdout(result.holdout, result.scorer.spec).to_parquet(holdout, index=False)
        mlflow.log_artifact(str(holdout), "holdout")
        info = mlflow.pyfunc.log_model(
            name="model",
            **_pyfunc_arguments(result.scorer, Path(tmp)),
            input_example=_input_example(result),
            registered_model_name=settings.model_name,
        )
    version = str(info.registered_model_version)
    client.set_registered_model_alias(settings.model_name, CHALLENGER, version)
    for key, value in result.evaluations["model"].flat_metrics().items():
        client.set_model_version_tag(settings.model_name, version, key, f"{value:.6g}")
    data = result.scorer.card.data
    for key, when in (("window_start", data.window_start), ("window_end", data.window_end)):
        if when is not None:
            client.set_model_version_tag(settings.model_name, version, key, when.date().isoformat())
    return RegisteredRun(run.info.run_id, version, settings.model_name)


def signature(spec: LeadSpec) -> ModelSignature:
    """Input: the lead id and every feature field; output: the flat score row.

    Inputs are typed "any": an export read by pandas or Spark has integer or float numbers,
    text or numbers as ids and booleans as text, and leadgrade's own parsing (the one the
    API uses) checks each value. Every feature is optional; other columns are ignored.
    """
    any_type = AnyType()  # type: ignore[no-untyped-call]
    inputs = [ColSpec(any_type, spec.lead.id)] + [
        ColSpec(any_type, name, required=False) for name in spec.feature_kinds
    ]
    outputs = [
        ColSpec("string", "lead_id"),
        ColSpec("double", "score"),
        ColSpec("double", "probability"),
        ColSpec("string", "grade"),
        ColSpec("string", "queue"),
        ColSpec("double", "follow_up_within_hours", required=False),
        ColSpec("string", "track", required=False),
        ColSpec("string", "re_engage_on", required=False),
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))  # type: ignore[arg-type]


def save_pyfunc(scorer: LeadScorer, path: Path) -> Path:
    """The pyfunc as a local MLflow model folder (for Spark or ``mlflow models serve``)."""
    with tempfile.TemporaryDirectory() as tmp:
        mlflow.pyfunc.save_model(str(path), **_pyfunc_arguments(scorer, Path(tmp)))
    return path


def _pyfunc_arguments(scorer: LeadScorer, tmp: Path) -> dict[str, Any]:
    """How the pyfunc is saved: the model folder as data, the code that reads it, pins.

    ``code_paths`` copies leadgrade's ``features`` and ``models`` packages into the MLflow
    model, so that MLflow's tools load it where leadgrade is not installed. That copy is for
    MLflow's tools only: the service never imports it (see :func:`models.registry.load_model`).
    """
    return {
        "loader_module": LOADER_MODULE,
        "data_path": str(save_scorer(scorer, tmp / DATA_FOLDER)),
        "code_paths": [_package_folder(name) for name in CODE_PACKAGES],
        "signature": signature(scorer.spec),
        "pip_requirements": model_requirements(),
    }


def _package_folder(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"package {name!r} is not importable")
    return str(spec.submodule_search_locations[0])


def model_requirements() -> list[str]:
    """The pinned third-party packages the pyfunc needs (the installed, locked versions)."""
    return [f"{p}=={metadata.version(p)}" for p in _MODEL_REQUIREMENTS]


def loggable_holdout(holdout: pd.DataFrame, spec: LeadSpec) -> pd.DataFrame:
    """What the promotion gate needs of the holdout, and nothing else.

    The lead id, creation time, feature fields and label: never notes, feedback or columns
    the spec does not name, which may carry anything. Personal feature fields are redacted.
    """
    created = [spec.lead.created_at] if spec.lead.created_at else []
    columns = [spec.lead.id, *created, *spec.feature_fields, LABEL_COLUMN]
    return redact_frame(holdout[columns], spec)


def redact_frame(frame: pd.DataFrame, spec: LeadSpec) -> pd.DataFrame:
    """Drop personal fields from a frame that is logged; an email keeps only its domain.

    Emails and phone numbers inside free text are scrubbed too. The transform scrubs text
    the same way before reading it, so the logged holdout scores exactly as in training.
    """
    out = frame.copy()
    text = [n for n, kind in spec.feature_kinds.items() if kind not in ("numeric", "boolean")]
    for name in (n for n in text if n in out.columns):
        out[name] = [scrub_value(v) for v in out[name]]
    for name in {*spec.privacy.personal, *([spec.features.email] if spec.features.email else [])}:
        if name not in out.columns:
            continue
        if name == spec.features.email:
            out[name] = [email_domain(v) if isinstance(v, str) else None for v in out[name]]
        else:
            out = out.drop(columns=name)
    return out


def _input_example(result: TrainingResult) -> pd.DataFrame:
    spec = result.scorer.spec
    frame = redact_frame(result.holdout.head(3), spec)
    return frame[[spec.lead.id, *spec.feature_fields]].astype(object).where(frame.notna(), None)


def _log_leakage_audit(result: TrainingResult) -> None:
    """The audit table as JSON; --allow-leaky as a param and the fields it let through as a tag."""
    audit = result.leakage
    checks = audit.checks.model_dump(mode="json")
    mlflow.log_dict({"checks": checks, "features": audit.table()}, "leakage_audit.json")
    mlflow.log_param("allow_leaky", json.dumps(list(audit.checks.allow_leaky)))
    overridden = [f.field for f in audit.features if f.allowed]
    mlflow.set_tag("leadgrade.leakage_overridden", ",".join(overridden) or "none")


def _log_win_rates(result: TrainingResult) -> None:
    """Win rate per part of the split as metrics; a tag saying whether it moves materially."""
    rates = result.scorer.card.split.get("win_rates", {})
    mlflow.log_metrics({f"win_rate_{part}": rate for part, rate in rates.items()})
    moves = any("the win rate moves" in w for w in result.scorer.card.warnings)
    mlflow.set_tag("leadgrade.win_rate_moves", "yes" if moves else "no")


def _log_choice(result: TrainingResult) -> None:
    """Which model shipped (a tag) and both models' validation scores (metrics)."""
    choice = result.scorer.card.evaluation["choice"]
    mlflow.set_tag("leadgrade.model_shipped", choice["shipped"])
    mlflow.log_metrics({f"validation_{choice['metric']}_lightgbm": choice["lightgbm"],
                        f"validation_{choice['metric']}_logistic": choice["baseline"]})  # fmt: skip


def _log_loss_reasons(result: TrainingResult) -> None:
    """Macro-F1 against the majority class as metrics; per-class report and confusion as JSON."""
    loss = result.loss_reasons
    mlflow.log_param("loss_reason_model", "lightgbm" if loss.model else "none")
    if loss.evaluation is None:
        return
    mlflow.log_metrics(loss.evaluation.metrics())
    report = {**asdict(loss.evaluation), "used": loss.model is not None, "warnings": loss.warnings}
    mlflow.log_dict(report, "loss_reasons/report.json")


def _log_plots(result: TrainingResult) -> None:
    figures: dict[str, Figure] = {
        "plots/calibration.png": calibration_figure(result.curves),
        "plots/conversion_by_grade.png": grade_conversion_figure(
            {"leadgrade": result.evaluations["model"], "baseline": result.evaluations["baseline"]}
        ),
        "plots/feature_importance.png": importance_figure(result.importance),
    }
    for path, fig in figures.items():
        mlflow.log_figure(fig, path)
    mlflow.log_dict(result.importance, "feature_importance.json")


def _log_report(result: TrainingResult) -> None:
    """The model report (also kept in the model) as JSON, with importance and value plots."""
    report = result.scorer.report
    if report is None:
        return
    mlflow.log_dict(report.model_dump(mode="json"), "report/model_report.json")
    points = {row.label: row.mean_abs_points for row in report.importance}
    mlflow.log_figure(
        importance_figure(points, title="Mean effect on the score, in points"),
        "report/importance.png",
    )
    for row in report.importance:
        stats = report.fields[row.field]
        if any(b.conversion is not None for b in stats.buckets):
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", row.field)
            mlflow.log_figure(
                value_conversion_figure(stats, report.base_rate), f"report/values/{name}.png"
            )


def _flat_params(params: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}

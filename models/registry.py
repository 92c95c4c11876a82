"""Load a ``LeadScorer`` from the MLflow registry (by alias or version) or from a local path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.pyfunc import PyFuncModel

from features.errors import LeadgradeError
from models.pyfunc import LeadScorerModel
from models.scorer import LeadScorer

CHAMPION = "champion"
CHALLENGER = "challenger"


class ModelNotFound(LeadgradeError):
    code = "model_not_found"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str | None
    run_id: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "version": self.version, "run_id": self.run_id}


@dataclass(frozen=True)
class LoadedModel:
    scorer: LeadScorer
    info: ModelInfo


def resolve_version(uri: str, tracking_uri: str) -> ModelInfo:
    """Pin ``models:/name@alias`` or ``models:/name/version`` to a concrete version."""
    name, _, ref = uri.removeprefix("models:/").partition("@")
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        if ref:
            mv = client.get_model_version_by_alias(name, ref)
        else:
            name, _, version = name.partition("/")
            mv = client.get_model_version(name, version)
    except mlflow.exceptions.MlflowException as exc:
        raise ModelNotFound(f"no model at {uri}: {exc.message}") from exc
    return ModelInfo(name=name, version=str(mv.version), run_id=mv.run_id)


def load_model(uri: str, tracking_uri: str) -> LoadedModel:
    """Load from ``models:/…`` (registry), an MLflow model folder, or a ``.joblib`` file."""
    if uri.startswith("models:/"):
        info = resolve_version(uri, tracking_uri)
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
        pinned = f"models:/{info.name}/{info.version}"
        return LoadedModel(_unwrap(mlflow.pyfunc.load_model(pinned)), info)
    path = Path(uri)
    if path.is_file():
        scorer = LeadScorer.load(path)
    elif (path / "MLmodel").is_file():
        scorer = _unwrap(mlflow.pyfunc.load_model(str(path)))
    else:
        raise ModelNotFound(f"no model at {uri}: not a registry URI, model folder or .joblib file")
    return LoadedModel(scorer, ModelInfo(name=scorer.card.name, version=None, run_id=None))


def _unwrap(pyfunc_model: PyFuncModel) -> LeadScorer:
    inner = pyfunc_model.unwrap_python_model()  # type: ignore[no-untyped-call]
    if not isinstance(inner, LeadScorerModel):
        raise ModelNotFound(f"the model is a {type(inner).__name__}, not a leadgrade model")
    return inner.scorer

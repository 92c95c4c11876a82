"""Load a ``LeadScorer`` from the MLflow registry (by alias or version) or from a local folder.

MLflow is imported only when the registry is asked: importing it (and opening its SQLAlchemy
store) costs about as much as importing LightGBM, which a model loaded from a folder, and
every module that only needs the URI helpers here, should not pay at start-up.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from features.errors import LeadgradeError
from models.artifact import MANIFEST, ModelFileError
from models.pyfunc import DATA_FOLDER
from models.saved import load_scorer
from models.scorer import LeadScorer

CHAMPION = "champion"
CHALLENGER = "challenger"


class ModelNotFound(LeadgradeError):
    code = "model_not_found"


# The registry's URIs are built and read only here.
_SCHEME = "models:/"


def alias_uri(name: str, alias: str) -> str:
    """``models:/name@alias``: whichever version holds the alias when it is read."""
    return f"{_SCHEME}{name}@{alias}"


def version_uri(name: str, version: str | int) -> str:
    """``models:/name/version``: exactly that version."""
    return f"{_SCHEME}{name}/{version}"


def is_registry_uri(uri: str) -> bool:
    return uri.startswith(_SCHEME)


def registered_name(uri: str) -> str:
    """The registered model's name in ``models:/name@alias`` or ``models:/name/version``."""
    return uri.removeprefix(_SCHEME).partition("@")[0].partition("/")[0]


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
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    name, _, ref = uri.removeprefix(_SCHEME).partition("@")
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        if ref:
            mv = client.get_model_version_by_alias(name, ref)
        else:
            name, _, version = name.partition("/")
            mv = client.get_model_version(name, version)
    except MlflowException as exc:
        raise ModelNotFound(f"no model at {uri}: {exc.message}") from exc
    return ModelInfo(name=name, version=str(mv.version), run_id=mv.run_id)


def load_model(uri: str, tracking_uri: str) -> LoadedModel:
    """Load from ``models:/…`` (registry), an MLflow model folder or a saved model folder.

    Only data files are read (see :mod:`models.saved`): a registry version whose artifact
    holds anything else, a pickle among them, is refused without being opened.
    """
    if is_registry_uri(uri):
        info = resolve_version(uri, tracking_uri)
        with tempfile.TemporaryDirectory(prefix="leadgrade-model-") as tmp:
            local = _download(info, tracking_uri, tmp)
            return LoadedModel(load_scorer(_data_folder(local, uri)), info)
    path = Path(uri)
    if not path.is_dir():
        raise ModelNotFound(f"no model at {uri}: not a registry URI or a model folder")
    scorer = load_scorer(_data_folder(path, uri))
    return LoadedModel(scorer, ModelInfo(name=scorer.card.name, version=None, run_id=None))


def _download(info: ModelInfo, tracking_uri: str, into: str) -> Path:
    from mlflow import MlflowClient
    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException

    try:
        # The version's own artifact location: a models:/ URI here would be resolved through
        # MLflow's global registry URI, not the one this service was configured with.
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        source = client.get_model_version_download_uri(info.name, str(info.version))
        local = download_artifacts(artifact_uri=source, dst_path=into, tracking_uri=tracking_uri)
    except MlflowException as exc:
        why = f"cannot download {info.name} version {info.version}: {exc.message}"
        raise ModelNotFound(why) from exc
    return Path(local)


def _data_folder(path: Path, uri: str) -> Path:
    """The model folder: ``path`` itself, or the data folder of an MLflow model at ``path``."""
    if (path / MANIFEST).is_file():
        return path
    if (path / "data" / DATA_FOLDER / MANIFEST).is_file():
        return path / "data" / DATA_FOLDER
    raise ModelFileError(
        f"{uri} holds no leadgrade model files ({MANIFEST} absent): only models saved as data "
        "are loaded; a pickled model is never opened"
    )

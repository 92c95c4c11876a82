"""The promotion gate: the challenger becomes champion only if it is calibrated and not worse.

A challenger whose probabilities are off on its own holdout (ECE above
``promotion_max_ece``, default 0.05) is refused, even the first one. On a small holdout a
perfectly calibrated model's ECE is itself often above 0.05, so the ceiling is raised to
the 95th percentile of that noise (outcomes drawn from the model's own probabilities):
only an error larger than chance refuses the model. Then both models
score the challenger's holdout (the most recent leads it never saw), and the challenger
passes when its metric is at least the champion's minus a margin. The first model passes
that comparison: there is nothing to compare it with. ``--force`` skips both checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from features.errors import LeadgradeError
from models.history import ChampionChange, actor, record_change
from models.registry import (
    CHALLENGER,
    CHAMPION,
    LoadedModel,
    ModelNotFound,
    alias_uri,
    load_model,
)
from models.scorer import LeadScorer
from training.evaluate import expected_calibration_error
from training.pipeline import LABEL_COLUMN
from training.settings import TrainSettings
from training.tracking import use_tracking

# Higher is better for these; for brier lower is better and the gate flips the sign.
_METRICS = {
    "roc_auc": roc_auc_score,
    "pr_auc": average_precision_score,
    "brier": lambda y, p: -brier_score_loss(y, p),
}


@dataclass(frozen=True)
class Decision:
    promoted: bool
    reason: str
    challenger: str
    champion: str | None  # the version that was champion before the decision

    @property
    def already_champion(self) -> bool:
        return self.challenger == self.champion


def promote(settings: TrainSettings, *, force: bool = False) -> Decision:
    """Move the champion alias to the challenger if it passes the gate (or if forced)."""
    client = use_tracking(settings)
    name, uri = settings.model_name, settings.mlflow_uri
    challenger = _load(alias_uri(name, CHALLENGER), uri)
    if challenger is None:
        raise ModelNotFound(f"model {name!r} has no {CHALLENGER!r}: train one first")
    version = str(challenger.info.version)
    champion = _load(alias_uri(name, CHAMPION), uri)
    if champion is not None and champion.info.version == version:
        return Decision(False, f"version {version} is already the champion", version, version)
    before = None if champion is None else champion.info.version
    ece, ceiling = _holdout_ece(challenger, uri, settings.promotion_max_ece)
    if ece > ceiling and not force:
        why = (
            f"refused: v{version}'s probabilities are off on its holdout (ECE {ece:.3f}, "
            f"ceiling {ceiling:.3f}; LEADGRADE_PROMOTION_MAX_ECE={settings.promotion_max_ece}); "
            "check the win rates in its model card, retrain on more recent leads, or use --force"
        )
        return Decision(False, why, version, before)
    if champion is None or force:
        reason = "no champion yet" if champion is None else "forced"
        return _promote(client, name, version, champion, f"promoted: {reason}")
    return _gate(client, settings, challenger, champion)


def _gate(
    client: MlflowClient, settings: TrainSettings, challenger: LoadedModel, champion: LoadedModel
) -> Decision:
    metric = settings.promotion_metric
    holdout = _holdout(challenger, settings.mlflow_uri)
    y = holdout[LABEL_COLUMN].to_numpy()
    new = _metric(metric, challenger.scorer, holdout, y)
    try:
        old = _metric(metric, champion.scorer, holdout, y)
    except LeadgradeError as exc:
        why = f"the champion cannot score the challenger's holdout ({exc}); use --force"
        return Decision(False, why, str(challenger.info.version), champion.info.version)
    versions = (
        f"v{challenger.info.version} {new:.4f} vs champion v{champion.info.version} {old:.4f}"
    )
    if new < old - settings.promotion_margin:
        why = f"refused: {metric} {versions} on the challenger's holdout is worse by more than "
        why += f"the margin {settings.promotion_margin}"
        return Decision(False, why, str(challenger.info.version), champion.info.version)
    return _promote(
        client,
        settings.model_name,
        str(challenger.info.version),
        champion,
        f"promoted: {metric} {versions} (margin {settings.promotion_margin})",
    )


def _promote(
    client: MlflowClient, name: str, version: str, champion: LoadedModel | None, reason: str
) -> Decision:
    previous = None if champion is None else champion.info.version
    client.set_registered_model_alias(name, CHAMPION, version)
    change = ChampionChange(datetime.now(UTC), "promote", version, previous, actor(), reason)
    record_change(client, name, change)
    return Decision(True, reason, version, previous)


def _load(uri: str, tracking_uri: str) -> LoadedModel | None:
    try:
        return load_model(uri, tracking_uri)
    except ModelNotFound:
        return None


def _holdout(model: LoadedModel, tracking_uri: str) -> pd.DataFrame:
    path = download_artifacts(
        run_id=model.info.run_id, artifact_path="holdout/holdout.parquet", tracking_uri=tracking_uri
    )
    return pd.read_parquet(path)


def _holdout_ece(model: LoadedModel, tracking_uri: str, ceiling: float) -> tuple[float, float]:
    """The challenger's holdout ECE, and the ceiling raised to this holdout's noise level."""
    holdout = _holdout(model, tracking_uri)
    p = model.scorer.probabilities(model.scorer.transformer.transform(holdout))
    ece = expected_calibration_error(holdout[LABEL_COLUMN].to_numpy(), p)
    return ece, max(ceiling, calibration_noise(p))


def calibration_noise(p: np.ndarray, draws: int = 200, seed: int = 0) -> float:
    """95th percentile of the ECE of a perfectly calibrated model on leads with these ``p``."""
    rng = np.random.default_rng(seed)
    eces = [
        expected_calibration_error((rng.random(len(p)) < p).astype(float), p) for _ in range(draws)
    ]
    return float(np.quantile(eces, 0.95))


def _metric(metric: str, scorer: LeadScorer, holdout: pd.DataFrame, y: np.ndarray) -> float:
    p = scorer.probabilities(scorer.transformer.transform(holdout))
    return float(_METRICS[metric](y, p))

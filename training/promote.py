"""The promotion gate: the challenger becomes champion only if it is calibrated and not worse.

A challenger whose probabilities are off on its own holdout (ECE above
``promotion_max_ece``, default 0.05) is refused, even the first one. On a small holdout a
perfectly calibrated model's ECE is itself often above 0.05, so the ceiling is raised to
the 95th percentile of that noise (outcomes drawn from the model's own probabilities):
only an error larger than chance refuses the model. Then both models score the
challenger's holdout (the most recent leads it never saw) and are compared by the checks
of :mod:`training.gate`; the table is logged to the challenger's run. The first model
passes that comparison: there is nothing to compare it with. A challenger that cannot be
loaded is refused with the reason. ``--force`` skips both checks. Every champion change is
recorded in the registry's champion history (:mod:`models.history`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts

from features.errors import LeadgradeError
from models.history import ChampionChange, actor, record_change
from models.registry import (
    CHALLENGER,
    CHAMPION,
    LoadedModel,
    ModelNotFound,
    load_model,
    version_uri,
)
from models.scorer import LeadScorer
from training.evaluate import Evaluation, evaluate, expected_calibration_error
from training.gate import GateRow, gate_rows, gate_text, refusals
from training.pipeline import LABEL_COLUMN
from training.settings import TrainSettings
from training.tracking import use_tracking


@dataclass(frozen=True)
class Decision:
    promoted: bool
    reason: str
    challenger: str
    champion: str | None  # the version that was champion before the decision
    table: str = ""  # the gate's comparison, when there was one
    rows: list[GateRow] = field(default_factory=list)

    @property
    def already_champion(self) -> bool:
        return self.challenger == self.champion


def promote(settings: TrainSettings, *, force: bool = False, action: str = "promote") -> Decision:
    """Move the champion alias to the challenger if it passes the gate (or if forced)."""
    client = use_tracking(settings)
    name, uri = settings.model_name, settings.mlflow_uri
    version = _alias_version(client, name, CHALLENGER)
    if version is None:
        raise ModelNotFound(f"model {name!r} has no {CHALLENGER!r}: train one first")
    champion_version = _alias_version(client, name, CHAMPION)
    if champion_version == version:
        return Decision(False, f"version {version} is already the champion", version, version)
    try:
        challenger = load_model(version_uri(name, version), uri)
    except LeadgradeError as exc:
        why = f"refused: challenger version {version} cannot be loaded: {exc.message}"
        return Decision(False, why, version, champion_version)
    ece, ceiling = _holdout_ece(challenger, uri, settings.promotion_max_ece)
    if ece > ceiling and not force:
        why = (
            f"refused: v{version}'s probabilities are off on its holdout (ECE {ece:.3f}, "
            f"ceiling {ceiling:.3f}; LEADGRADE_PROMOTION_MAX_ECE={settings.promotion_max_ece}); "
            "check the win rates in its model card, retrain on more recent leads, or use --force"
        )
        return Decision(False, why, version, champion_version)
    champion = _load(version_uri(name, champion_version), uri) if champion_version else None
    if champion_version is None or force:
        reason = "no champion yet" if champion_version is None else "forced"
        return _promote(client, name, version, champion_version, f"promoted: {reason}", action)
    if champion is None:
        reason = f"promoted: the champion, version {champion_version}, cannot be loaded"
        return _promote(client, name, version, champion_version, reason, action)
    return _gate(client, settings, challenger, champion, action)


def _gate(
    client: MlflowClient,
    settings: TrainSettings,
    challenger: LoadedModel,
    champion: LoadedModel,
    action: str,
) -> Decision:
    new_v, old_v = str(challenger.info.version), str(champion.info.version)
    holdout = _holdout(challenger, settings.mlflow_uri)
    new = _evaluate(challenger.scorer, holdout)
    try:
        old = _evaluate(champion.scorer, holdout)
    except LeadgradeError as exc:
        why = f"the champion cannot score the challenger's holdout ({exc}); use --force"
        return Decision(False, why, new_v, old_v)
    rows = gate_rows(new, old, settings)
    table = gate_text(rows, new_v, old_v)
    failed = refusals(rows)
    _log_gate(client, challenger, rows, table, not failed)
    if failed:
        why = "refused: " + "; ".join(failed) + " on the challenger's holdout"
        return Decision(False, why, new_v, old_v, table, rows)
    reason = f"promoted: version {new_v} passes the gate against version {old_v}"
    _promote(client, settings.model_name, new_v, old_v, reason, action)
    return Decision(True, reason, new_v, old_v, table, rows)


def _promote(
    client: MlflowClient, name: str, version: str, previous: str | None, reason: str, action: str
) -> Decision:
    client.set_registered_model_alias(name, CHAMPION, version)
    change = ChampionChange(datetime.now(UTC), action, version, previous, actor(), reason)
    record_change(client, name, change)
    return Decision(True, reason, version, previous)


def _log_gate(
    client: MlflowClient, challenger: LoadedModel, rows: list[GateRow], table: str, passed: bool
) -> None:
    """The comparison on the challenger's run: JSON, the printed table, and a tag."""
    run_id = challenger.info.run_id
    if run_id is None:
        return
    client.log_dict(run_id, {"rows": [r.as_dict() for r in rows], "passed": passed},
                    "promotion/gate.json")  # fmt: skip
    client.log_text(run_id, table + "\n", "promotion/gate.txt")
    client.set_tag(run_id, "leadgrade.gate", "passed" if passed else "refused")


def _alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except Exception:  # MLflow raises its own exception, or none at all for a missing model
        return None


def _load(uri: str, tracking_uri: str) -> LoadedModel | None:
    try:
        return load_model(uri, tracking_uri)
    except LeadgradeError:
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


def _evaluate(scorer: LeadScorer, holdout: pd.DataFrame) -> Evaluation:
    p = scorer.probabilities(scorer.transformer.transform(holdout))
    return evaluate(holdout[LABEL_COLUMN].to_numpy(), p, scorer.grades.assign(p))

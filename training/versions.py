"""The registry seen by a data scientist: the versions, and rolling the champion back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from features.errors import LeadgradeError
from models.history import ChampionChange, actor, champion_history, earlier_champions, record_change
from models.registry import CHAMPION, ModelNotFound, load_model, version_uri
from training.settings import TrainSettings
from training.tracking import use_tracking

HEADLINE = ("roc_auc", "ece", "a_over_d")


class RollbackRefused(LeadgradeError):
    code = "rollback_refused"


@dataclass(frozen=True)
class VersionRow:
    version: str
    aliases: list[str]
    created: datetime
    window: str  # the training window, "start – end"
    metrics: dict[str, str]  # headline metrics as registered


def model_versions(settings: TrainSettings) -> list[VersionRow]:
    """Every registered version, newest first, with its aliases, window and headline metrics."""
    client = use_tracking(settings)
    name = settings.model_name
    try:
        aliases = client.get_registered_model(name).aliases
    except Exception as exc:  # MLflow's own exception: the model does not exist
        raise ModelNotFound(f"no registered model {name!r}: train one first") from exc
    by_version: dict[str, list[str]] = {}
    for alias, version in aliases.items():
        by_version.setdefault(str(version), []).append(alias)
    rows = []
    for mv in client.search_model_versions(f"name='{name}'"):
        tags = mv.tags or {}
        window = f"{tags.get('window_start', '?')} – {tags.get('window_end', '?')}"
        rows.append(
            VersionRow(
                str(mv.version),
                sorted(by_version.get(str(mv.version), [])),
                datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC),
                window,
                {k: tags[k] for k in HEADLINE if k in tags},
            )
        )
    return sorted(rows, key=lambda r: int(r.version), reverse=True)


def rollback(settings: TrainSettings, reason: str, to: str | None = None) -> ChampionChange:
    """Move the champion back to ``to`` (default: the previous champion); recorded as tags.

    The target must load (as the service would load it) before the alias moves.
    """
    if not reason.strip():
        raise RollbackRefused("give the reason for the rollback (--reason)")
    client = use_tracking(settings)
    name = settings.model_name
    try:
        current: str | None = str(client.get_model_version_by_alias(name, CHAMPION).version)
    except Exception:  # no champion: nothing to roll back from, but --to may still set one
        current = None
    target = to or next(iter(earlier_champions(champion_history(client, name), current)), None)
    if target is None:
        raise RollbackRefused(f"no earlier champion of {name!r} is recorded: name one with --to")
    if target == current:
        raise RollbackRefused(f"version {target} is already the champion")
    try:
        load_model(version_uri(name, target), settings.mlflow_uri)
    except LeadgradeError as exc:
        raise RollbackRefused(f"version {target} cannot be loaded: {exc.message}") from exc
    client.set_registered_model_alias(name, CHAMPION, target)
    change = ChampionChange(datetime.now(UTC), "rollback", target, current, actor(), reason)
    record_change(client, name, change)
    if current is not None:
        client.set_model_version_tag(name, current, "leadgrade.rolled_back", reason[:4000])
    return change

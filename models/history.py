"""Who made which version champion, when and why: the history MLflow keeps no trace of.

MLflow moves an alias without a record, so every champion change (promote, retrain,
rollback) is written as one tag on the registered model, keyed by its UTC time so that the
keys sort in order: ``leadgrade.champion.20261201T021500123456Z`` →
``{"action", "to", "from", "by", "why"}``. Rollback and the service's start-up fallback
read the earlier champions from it.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # MLflow is imported by whoever makes the client, not on import here
    from mlflow import MlflowClient

TAG_PREFIX = "leadgrade.champion."
_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class ChampionChange:
    """One move of the champion alias."""

    at: datetime
    action: str  # promote, force, retrain, rollback
    to: str
    previous: str | None
    by: str
    why: str

    def as_dict(self) -> dict[str, str | None]:
        return {**asdict(self), "at": self.at.isoformat(timespec="seconds")}


def actor() -> str:
    """Who is acting: ``LEADGRADE_ACTOR`` (set it in a scheduler), else the OS user."""
    try:
        return os.environ.get("LEADGRADE_ACTOR") or getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return f"uid {os.getuid()}"


def record_change(client: MlflowClient, name: str, change: ChampionChange) -> None:
    """Write ``change`` as a registered-model tag (and the why on the version it made champion)."""
    value = change.as_dict()
    at = str(value.pop("at"))
    client.set_registered_model_tag(
        name, TAG_PREFIX + change.at.strftime(_TIME_FORMAT), json.dumps(value)
    )
    client.set_model_version_tag(name, change.to, "leadgrade.champion_since", at)
    client.set_model_version_tag(name, change.to, "leadgrade.champion_why", change.why[:4000])


def champion_history(client: MlflowClient, name: str) -> list[ChampionChange]:
    """Every recorded champion change, oldest first; unreadable tags are skipped."""
    tags = client.get_registered_model(name).tags
    changes = []
    for key in sorted(k for k in tags if k.startswith(TAG_PREFIX)):
        try:
            at = datetime.strptime(key.removeprefix(TAG_PREFIX), _TIME_FORMAT).replace(tzinfo=UTC)
            value = json.loads(tags[key])
            changes.append(
                ChampionChange(
                    at,
                    str(value["action"]),
                    str(value["to"]),
                    None if value.get("previous") is None else str(value["previous"]),
                    str(value.get("by", "")),
                    str(value.get("why", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return changes


def earlier_champions(history: list[ChampionChange], current: str | None) -> list[str]:
    """Versions that were champion before, most recent first, without ``current``.

    A version that was rolled back from is left out: it was judged bad.
    """
    rolled_back = {c.previous for c in history if c.action == "rollback"}
    seen: list[str] = []
    for change in reversed(history):
        for version in (change.to, change.previous):
            if version and version != current and version not in seen:
                seen.append(version)
    return [v for v in seen if v not in rolled_back]

"""The drift report: do recent leads still look like the ones the served model learned from?"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from models.drift import compare, level
from serving.metrics import Metrics
from serving.model_source import ServedModel
from serving.settings import ServeSettings
from serving.storing import store_errors
from store import LeadStore
from store.recent import recent_scores

Level = Literal["ok", "warning", "alarm", "too_few", "no_reference"]
REMEDY = "retrain on recent outcomes (leadgrade train --from-store), then promote"


class Compared(BaseModel):
    name: str = Field(description="'score' or a field among the model's most important")
    psi: float = Field(description="population stability index, recent vs training holdout")
    level: Literal["ok", "warning", "alarm"]


class DriftOut(BaseModel):
    status: Level = Field(description="the worst level found, or why nothing was compared")
    leads: int = Field(description="recent scorings compared (newest first)")
    first_scored_at: datetime | None
    last_scored_at: datetime | None
    warning_at: float
    alarm_at: float
    compared: list[Compared]
    remedy: str | None = Field(description="what to do on an alarm; nothing happens by itself")


def drift_report(
    store: LeadStore, model: ServedModel, settings: ServeSettings, metrics: Metrics
) -> DriftOut:
    """PSI of the newest scorings by the served version against its card's reference."""
    reference = model.loaded.scorer.card.reference
    with store_errors("reading recent scores", "drift cannot be reported"):
        recent = recent_scores(
            store.engine, limit=settings.drift_leads, model_version=model.info.version
        )
    warning, alarm = settings.drift_warning, settings.drift_alarm
    base = {
        "leads": len(recent.scores),
        "first_scored_at": recent.first,
        "last_scored_at": recent.last,
        "warning_at": warning,
        "alarm_at": alarm,
    }
    if not reference:
        return DriftOut(status="no_reference", compared=[], remedy=REMEDY, **base)
    if len(recent.scores) < settings.drift_min_leads:
        return DriftOut(status="too_few", compared=[], remedy=None, **base)
    psis = compare(reference, recent.scores, recent.fields)
    compared = [Compared(name=n, psi=v, level=level(v, warning, alarm)) for n, v in psis.items()]
    for item in compared:
        metrics.drift.labels(item.name).set(item.psi)
    worst = level(max(psis.values()), warning, alarm)
    return DriftOut(
        status=worst, compared=compared, remedy=REMEDY if worst == "alarm" else None, **base
    )

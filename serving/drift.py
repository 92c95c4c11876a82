"""The drift report: do recent leads still look like the ones the served model learned from?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from models.drift import compare, level
from models.holding import grades_hold
from serving.metrics import Metrics
from serving.model_source import ServedModel
from serving.settings import ServeSettings
from serving.storing import store_errors
from store import LeadStore
from store.closed import closed_since
from store.recent import recent_scores

Level = Literal["ok", "warning", "alarm", "too_few", "no_reference"]
REMEDY = "retrain on recent outcomes (leadgrade train --from-store), then promote"


class Compared(BaseModel):
    name: str = Field(description="'score' or a field among the model's most important")
    psi: float = Field(description="population stability index, recent vs training holdout")
    level: Literal["ok", "warning", "alarm"]


class GradeHold(BaseModel):
    grade: str
    closed: int = Field(description="leads of this grade scored in the window and now closed")
    conversion: float | None
    interval: list[float] = Field(description="95 % Wilson interval of the conversion")
    card_conversion: float | None = Field(description="the grade's conversion in the card")


class GradesHoldOut(BaseModel):
    status: Literal["ok", "alarm", "too_few"] = Field(
        description="alarm: A converts clearly below the card, D clearly above, or the mean "
        "probability lies outside the interval of the actual conversion"
    )
    window_days: int
    closed: int
    conversion: float | None
    mean_probability: float
    calibration_interval: list[float]
    grades: list[GradeHold]


class DriftOut(BaseModel):
    status: Level = Field(description="the worst level found, or why nothing was compared")
    leads: int = Field(description="recent scorings compared (newest first)")
    first_scored_at: datetime | None
    last_scored_at: datetime | None
    warning_at: float
    alarm_at: float
    compared: list[Compared]
    grades_hold: GradesHoldOut = Field(description="do the grades still hold, from outcomes")
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
    holding = _grades_hold(store, model, settings, metrics)
    base = {
        "grades_hold": holding,
        "leads": len(recent.scores),
        "first_scored_at": recent.first,
        "last_scored_at": recent.last,
        "warning_at": warning,
        "alarm_at": alarm,
    }
    held = holding.status != "alarm"
    if not reference:
        return DriftOut(status="no_reference", compared=[], remedy=REMEDY, **base)
    if len(recent.scores) < settings.drift_min_leads:
        return DriftOut(status="too_few", compared=[], remedy=None if held else REMEDY, **base)
    psis = compare(reference, recent.scores, recent.fields)
    compared = [Compared(name=n, psi=v, level=level(v, warning, alarm)) for n, v in psis.items()]
    for item in compared:
        metrics.drift.labels(item.name).set(item.psi)
    worst = level(max(psis.values()), warning, alarm)
    remedy = REMEDY if worst == "alarm" or not held else None
    return DriftOut(status=worst, compared=compared, remedy=remedy, **base)


def _grades_hold(
    store: LeadStore, model: ServedModel, settings: ServeSettings, metrics: Metrics
) -> GradesHoldOut:
    since = datetime.now(UTC) - timedelta(days=settings.holding_days)
    with store_errors("reading closed leads", "the grades cannot be checked"):
        closed = closed_since(store.engine, since)
    card = model.loaded.scorer.card.evaluation.get("model", {}).get("grades", [])
    rows = [(c.grade, c.probability, c.won) for c in closed]
    found = grades_hold(rows, card, settings.holding_min_per_grade)
    metrics.grades_hold.set({"ok": 1, "alarm": 0, "too_few": -1}[found["status"]])
    return GradesHoldOut(window_days=settings.holding_days, **found)

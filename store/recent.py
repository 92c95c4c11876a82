"""The most recent scorings, as the drift report compares them with the model's reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from store.engine import read_transaction
from store.schema import Score


@dataclass(frozen=True)
class RecentScores:
    scores: list[float]
    fields: list[dict[str, Any]]
    first: datetime | None
    last: datetime | None


def recent_scores(engine: Engine, *, limit: int, model_version: str | None = None) -> RecentScores:
    """The ``limit`` newest scorings (of one model version, if given), newest first."""
    query = select(Score.score, Score.fields, Score.scored_at).order_by(Score.id.desc())
    if model_version is not None:
        query = query.where(Score.model_version == model_version)
    with read_transaction(engine) as conn:
        rows = conn.execute(query.limit(limit)).all()
    return RecentScores(
        scores=[row.score for row in rows],
        fields=[row.fields for row in rows],
        first=rows[-1].scored_at if rows else None,
        last=rows[0].scored_at if rows else None,
    )

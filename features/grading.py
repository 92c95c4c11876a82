"""The spec's grading and routing sections: how probabilities become grades and routes."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from features.reasons import DEFAULT_NURTURE_TRACKS, GENERAL_TRACK, CanonicalReason

GRADES = ("A", "B", "C", "D")
_TRACK_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GradesSection(_Section):
    """How probabilities become grades: by sales capacity (shares) or by fixed thresholds."""

    method: Literal["capacity", "threshold"] = "capacity"
    capacity: dict[str, float] = Field(default_factory=lambda: {"A": 0.10, "B": 0.20, "C": 0.30})
    thresholds: dict[str, float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GradesSection:
        if set(self.capacity) != {"A", "B", "C"}:
            raise ValueError("grades.capacity needs shares for A, B and C")
        if any(v <= 0 for v in self.capacity.values()) or sum(self.capacity.values()) >= 1:
            raise ValueError("grades.capacity shares must be > 0 and add up to less than 1")
        if self.method == "threshold":
            t = self.thresholds
            if t is None or set(t) != {"A", "B", "C"}:
                raise ValueError("grades.method = 'threshold' needs thresholds for A, B and C")
            if not 1 > t["A"] > t["B"] > t["C"] > 0:
                raise ValueError("grades.thresholds must satisfy 1 > A > B > C > 0")
        return self


class RoutingSection(_Section):
    """Sales deadlines for A and B; nurture tracks for C and D by their likely loss reason."""

    follow_up_hours: dict[str, int] = Field(default_factory=lambda: {"A": 24, "B": 168})
    re_engage_after_days: int = Field(default=90, ge=1, le=3650)
    tracks: dict[CanonicalReason, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sales_grades(self) -> RoutingSection:
        if set(self.follow_up_hours) != {"A", "B"} or min(self.follow_up_hours.values()) < 1:
            raise ValueError("routing.follow_up_hours needs whole hours >= 1 for A and B")
        bad = sorted(t for t in self.tracks.values() if not _TRACK_NAME.fullmatch(t))
        if bad:
            raise ValueError(
                f"routing.tracks: {bad[0]!r} is not a track name (lower-case letters, digits "
                "and '_', starting with a letter)"
            )
        return self

    @property
    def nurture_tracks(self) -> dict[str, str]:
        """Every canonical loss reason → its nurture track (defaults, then this spec's own)."""
        tracks = {r: DEFAULT_NURTURE_TRACKS.get(r, GENERAL_TRACK) for r in CanonicalReason}
        return {r.value: t for r, t in {**tracks, **self.tracks}.items()}

"""Grade and routing policies: how a calibrated probability becomes a grade and a route."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, TypedDict

import numpy as np

from features.grading import GRADES, RoutingSection
from features.reasons import DEFAULT_NURTURE_TRACKS, GENERAL_TRACK, RE_ENGAGE_LATER

Queue = Literal["sales", "nurture"]


class Route(TypedDict):
    queue: Queue
    follow_up_within_hours: int | None
    track: str | None
    re_engage_on: str | None  # ISO date, on the re-engage-later track only


@dataclass(frozen=True)
class GradePolicy:
    """Lower probability bounds of grades A, B and C; everything below C's is D."""

    thresholds: Mapping[str, float]
    method: Literal["capacity", "threshold"] = "threshold"

    def __post_init__(self) -> None:
        t = self.thresholds
        if set(t) != {"A", "B", "C"} or not t["A"] >= t["B"] >= t["C"]:
            raise ValueError(f"grade thresholds need A >= B >= C, got {dict(t)}")

    @classmethod
    def from_capacity(cls, probabilities: np.ndarray, shares: Mapping[str, float]) -> GradePolicy:
        """Cut-offs so that the top ``shares['A']`` of these leads are A, the next B, and so on."""
        p = np.asarray(probabilities, dtype=float)
        if p.size == 0:
            raise ValueError("cannot choose grade cut-offs from zero leads")
        top = np.cumsum([shares["A"], shares["B"], shares["C"]])
        cut = np.quantile(p, 1.0 - top)
        return cls({"A": float(cut[0]), "B": float(cut[1]), "C": float(cut[2])}, "capacity")

    def assign(self, probabilities: np.ndarray) -> np.ndarray:
        """Grade letters for an array of probabilities."""
        bounds = np.array([self.thresholds["C"], self.thresholds["B"], self.thresholds["A"]])
        index = np.searchsorted(bounds, np.asarray(probabilities, dtype=float), side="right")
        return np.asarray(GRADES[::-1], dtype=object)[index]


@dataclass(frozen=True)
class RoutingPolicy:
    """A and B go to sales with a follow-up deadline; C and D go to marketing nurture.

    A lead from a target account always goes to sales, with B's deadline at the latest. A
    nurture lead's track follows its most likely loss reason (``tracks``, reason → track;
    ``general`` without a reason); the re-engage-later track comes with the date to call
    back, ``re_engage_after_days`` after scoring.
    """

    follow_up_hours: Mapping[str, int]
    # Defaults keep policies pickled before nurture tracks existed loadable.
    re_engage_after_days: int = 90
    tracks: Mapping[str, str] | None = None

    @classmethod
    def from_spec(cls, routing: RoutingSection) -> RoutingPolicy:
        return cls(
            dict(routing.follow_up_hours), routing.re_engage_after_days, routing.nurture_tracks
        )

    def route(
        self,
        grade: str,
        *,
        target_account: bool = False,
        reason: str | None = None,
        on: date | None = None,
    ) -> Route:
        """The route of a lead graded ``grade`` on day ``on`` (default: today, UTC)."""
        if grade in self.follow_up_hours:
            return _route("sales", self.follow_up_hours[grade], None)
        if target_account:
            return _route("sales", self.follow_up_hours["B"], "target_account")
        track = self.track_for(reason)
        if track != RE_ENGAGE_LATER:
            return _route("nurture", None, track)
        day = on or datetime.now(UTC).date()
        later = day + timedelta(days=self.re_engage_after_days)
        return _route("nurture", None, track, later.isoformat())

    def routes(
        self,
        grades: np.ndarray,
        target_accounts: np.ndarray,
        reasons: Sequence[str | None],
        on: date | None = None,
    ) -> list[Route]:
        """The routes of a batch: one grade, target-account flag and loss reason per lead."""
        day = on or datetime.now(UTC).date()
        return [
            self.route(str(g), target_account=bool(t), reason=r, on=day)
            for g, t, r in zip(grades, target_accounts, reasons, strict=True)
        ]

    def nurture_mask(self, grades: np.ndarray, target_accounts: np.ndarray) -> np.ndarray:
        """Which leads of a batch go to nurture, and so need a track (and a loss reason)."""
        return np.asarray(~np.isin(grades, list(self.sales_grades)) & ~target_accounts)

    def track_for(self, reason: str | None) -> str:
        """The nurture track for a (predicted) loss reason; ``general`` for none."""
        if reason is None:
            return GENERAL_TRACK
        tracks = self.tracks if self.tracks is not None else _DEFAULT_TRACKS
        return tracks.get(reason, GENERAL_TRACK)

    @property
    def sales_grades(self) -> frozenset[str]:
        """The grades that go to sales: the one place that says so."""
        return frozenset(self.follow_up_hours)


_DEFAULT_TRACKS = {r.value: t for r, t in DEFAULT_NURTURE_TRACKS.items()}


def _route(queue: Queue, hours: int | None, track: str | None, on: str | None = None) -> Route:
    return {"queue": queue, "follow_up_within_hours": hours, "track": track, "re_engage_on": on}

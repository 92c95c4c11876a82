"""Grade and routing policies: how a calibrated probability becomes a grade and a route."""

from __future__ import annotations

import math
from collections.abc import Mapping
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
        one = np.asarray([grade], dtype=object)
        return self.routes(one, np.asarray([target_account]), np.asarray([reason]), on).records()[0]

    def routes(
        self,
        grades: np.ndarray,
        target_accounts: np.ndarray,
        reasons: np.ndarray,
        on: date | None = None,
    ) -> Routes:
        """The routes of a batch: one grade, target-account flag and loss reason per lead."""
        targets = np.asarray(target_accounts, dtype=bool)
        hours = self._sales_hours(grades)
        target = np.isnan(hours) & targets
        nurture = np.isnan(hours) & ~targets
        hours[target] = self.follow_up_hours["B"]
        track = np.full(len(grades), None, dtype=object)
        track[target] = "target_account"
        track[nurture] = self._tracks(np.asarray(reasons, dtype=object)[nurture])
        re_engage = np.full(len(grades), None, dtype=object)
        day = on or datetime.now(UTC).date()
        later = (day + timedelta(days=self.re_engage_after_days)).isoformat()
        re_engage[nurture & (track == RE_ENGAGE_LATER)] = later
        queue = np.where(nurture, "nurture", "sales").astype(object)
        return Routes(queue, hours, track, re_engage)

    def nurture_mask(self, grades: np.ndarray, target_accounts: np.ndarray) -> np.ndarray:
        """Which leads of a batch go to nurture, and so need a track (and a loss reason)."""
        return np.asarray(np.isnan(self._sales_hours(grades)) & ~np.asarray(target_accounts, bool))

    def _sales_hours(self, grades: np.ndarray) -> np.ndarray:
        """The follow-up hours of each lead's grade; NaN for a grade that is not for sales.

        The grades of ``follow_up_hours`` go to sales: the one place that says so."""
        hours = np.full(len(grades), np.nan)
        for grade, hours_of_grade in self.follow_up_hours.items():
            hours[grades == grade] = hours_of_grade
        return hours

    def _tracks(self, reasons: np.ndarray) -> np.ndarray:
        """The track of each reason, decided once per distinct reason."""
        every = reasons.tolist()
        tracks = {reason: self.track_for(reason) for reason in set(every)}
        return np.asarray([tracks[reason] for reason in every], dtype=object)

    def track_for(self, reason: str | None) -> str:
        """The nurture track for a (predicted) loss reason; ``general`` for none."""
        if reason is None:
            return GENERAL_TRACK
        tracks = self.tracks if self.tracks is not None else _DEFAULT_TRACKS
        return tracks.get(reason, GENERAL_TRACK)


@dataclass(frozen=True)
class Routes:
    """The routes of a batch, column by column (one entry a lead)."""

    queue: np.ndarray  # "sales" or "nurture"
    follow_up_within_hours: np.ndarray  # float; NaN in nurture
    track: np.ndarray  # object: the track, or None
    re_engage_on: np.ndarray  # object: the ISO date, or None

    def records(self) -> list[Route]:
        """One route dict a lead."""
        hours = [None if math.isnan(h) else int(h) for h in self.follow_up_within_hours.tolist()]
        columns = zip(self.queue.tolist(), hours, self.track.tolist(), self.re_engage_on.tolist(),
                      strict=True)  # fmt: skip
        return [
            {"queue": q, "follow_up_within_hours": h, "track": t, "re_engage_on": r}
            for q, h, t, r in columns
        ]


_DEFAULT_TRACKS = {r.value: t for r, t in DEFAULT_NURTURE_TRACKS.items()}

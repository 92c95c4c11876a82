"""Grade and routing policies: how a calibrated probability becomes a grade and a route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np

from features.spec import GRADES

Queue = Literal["sales", "nurture"]


class Route(TypedDict):
    queue: Queue
    follow_up_within_hours: int | None
    track: str | None


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

    A lead from a target account always goes to sales, with B's deadline at the latest.
    """

    follow_up_hours: Mapping[str, int]

    def route(self, grade: str, *, target_account: bool = False, track: str | None = None) -> Route:
        if grade in self.follow_up_hours:
            return {
                "queue": "sales",
                "follow_up_within_hours": self.follow_up_hours[grade],
                "track": None,
            }
        if target_account:
            return {
                "queue": "sales",
                "follow_up_within_hours": self.follow_up_hours["B"],
                "track": "target_account",
            }
        return {"queue": "nurture", "follow_up_within_hours": None, "track": track or "general"}

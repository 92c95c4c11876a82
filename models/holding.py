"""Do the grades still hold? Conversion by grade of recently closed leads against the card.

Inputs can look the same while the world changes; only outcomes show it. Intervals are
Wilson score intervals at 95 %; "clearly below" means the card's value lies outside the
recent interval. Too few closed leads in grade A or D (``min_per_grade``) is said as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

Z95 = 1.96


def wilson(wins: int, leads: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a conversion rate (0–1)."""
    if leads == 0:
        return 0.0, 1.0
    rate = wins / leads
    spread = z * math.sqrt(rate * (1 - rate) / leads + z * z / (4 * leads * leads))
    centre = rate + z * z / (2 * leads)
    scale = 1 + z * z / leads
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def grades_hold(
    closed: Sequence[tuple[str, float, bool]],
    card_grades: Sequence[Mapping[str, Any]],
    min_per_grade: int = 30,
) -> dict[str, Any]:
    """Per grade: closed leads, conversion with its interval, and the card's conversion."""
    card = {row["grade"]: row.get("conversion") for row in card_grades}
    grades: list[dict[str, Any]] = []
    for grade in ("A", "B", "C", "D"):
        won = [w for g, _, w in closed if g == grade]
        low, high = wilson(sum(won), len(won))
        grades.append(
            {
                "grade": grade,
                "closed": len(won),
                "conversion": sum(won) / len(won) if won else None,
                "interval": [round(low, 4), round(high, 4)],
                "card_conversion": card.get(grade),
            }
        )
    by_grade = {row["grade"]: row for row in grades}
    enough = all(by_grade[g]["closed"] >= min_per_grade for g in ("A", "D"))
    return {"status": _status(by_grade, closed, enough), "grades": grades, **_calibration(closed)}


def _status(by_grade: Mapping[str, Any], closed: Sequence[Any], enough: bool) -> str:
    if not enough:
        return "too_few"
    a, d = by_grade["A"], by_grade["D"]
    a_worse = a["card_conversion"] is not None and a["card_conversion"] > a["interval"][1]
    d_better = d["card_conversion"] is not None and d["card_conversion"] < d["interval"][0]
    calibration = _calibration(closed)
    low, high = calibration["calibration_interval"]
    off = not low <= calibration["mean_probability"] <= high
    return "alarm" if a_worse or d_better or off else "ok"


def _calibration(closed: Sequence[tuple[str, float, bool]]) -> dict[str, Any]:
    wins = sum(w for _, _, w in closed)
    low, high = wilson(wins, len(closed))
    mean = sum(p for _, p, _ in closed) / len(closed) if closed else 0.0
    return {
        "closed": len(closed),
        "mean_probability": round(mean, 4),
        "conversion": wins / len(closed) if closed else None,
        "calibration_interval": [round(low, 4), round(high, 4)],
    }

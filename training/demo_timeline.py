"""When sales reported what about each demo lead: stages and the outcome, with plausible times.

The demo export says how each lead ended, not when sales touched it. This draws a
timeline per lead from its first score (when sales was told: its time, grade and route)
and its ending, so that the follow-up promise, the days to feedback and the stages have
something true to life to show. The follow-up deadline runs from that same score, so the
times drawn here are what makes a demo lead on time, late or missing. The draw is seeded
by the lead id: the same lead always gets the same timeline, so a second replay sends the
very same events (idempotent).

Leads routed to sales answer first: most A leads within their day (median ~4 h), some a
few days late, a few never; B leads mostly within their week (median ~2 days), a quarter
late, more never. A lead that was never answered stays silent only while it is open: a
closed lead's outcome is its first feedback. Sales accepts most worked leads it reached,
opens opportunities on the promising ones, and closes weeks later; nurtured (C, D) leads
are closed by marketing or sales after weeks. No time is later than ``as_of``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
UNREACHED = "Never reached"
# grade: (share on time, share late, median hours when on time, deadline hours)
_RESPONSE = {"A": (0.80, 0.15, 4.0, 24), "B": (0.60, 0.25, 48.0, 168)}


@dataclass(frozen=True)
class FeedbackEvent:
    """One report from sales: a stage or an outcome, and when it happened."""

    event: str
    occurred_at: datetime


def timeline(
    lead_id: str,
    scored_at: datetime,
    grade: str,
    outcome: str | None,
    reason: str | None,
    *,
    to_sales: bool,
    as_of: datetime,
    seed: int = 7,
) -> list[FeedbackEvent]:
    """The stages and outcome sales reported about one lead first scored at ``scored_at``."""
    rng = np.random.default_rng([seed, zlib.crc32(lead_id.encode())])
    first = _first_response(rng, grade if grade in _RESPONSE else "B") if to_sales else None
    if first is None and outcome is None:
        return []
    start = scored_at + (first if first is not None else _days(rng, 10, 40))
    events = []
    reached = outcome in ("won", None) or (outcome == "lost" and reason != UNREACHED)
    if (
        to_sales
        and reached
        and outcome != "disqualified"
        and (outcome == "won" or rng.random() < 0.8)
    ):
        events.append(("accepted", start))
        if outcome == "won" or (outcome == "lost" and rng.random() < 0.35):
            events.append(("opportunity", start + _days(rng, 3, 20)))
    if outcome is not None:
        after = events[-1][1] if events else start
        close = after + (_days(rng, 10, 60) if events else timedelta(0))
        events.append((outcome, close))
    return [FeedbackEvent(event, min(at, as_of)) for event, at in events]


def _first_response(rng: np.random.Generator, grade: str) -> timedelta | None:
    """How long after the first score sales first answered; None for never."""
    on_time, late, median_hours, deadline = _RESPONSE[grade]
    draw = rng.random()
    if draw < on_time:
        hours = min(rng.lognormal(np.log(median_hours), 0.8), deadline * 0.98)
        return timedelta(hours=float(hours))
    if draw < on_time + late:
        return timedelta(hours=float(deadline * rng.uniform(1.1, 4.0)))
    return None


def _days(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(days=float(rng.uniform(low, high)))

"""Evidence for reasons: which bucket a lead falls in, and the sentence that quotes it.

Buckets are read from the encoded model row, not the raw field, so a lead is described
exactly as the model saw it: a title by its seniority, an email as free-mail or company
address, a number by its quantile bin, a rare or unseen category as "other".
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

import numpy as np

from features.derived import SENIORITY_WORDS, email_domain
from features.scrubbing import scrub_contacts
from models.report import MIN_EVIDENCE_LEADS, Bucket, FieldStats, in_sentence

MISSING, OTHER, UNKNOWN = "(missing)", "(other)", "(unknown)"
_FIXED: dict[str, dict[str, tuple[str, str]]] = {
    "email": {
        "free_mail": ("free-mail address", "leads with a free-mail address"),
        "company_email": ("company address", "leads with a company email address"),
        MISSING: ("not given", "leads without an email address"),
    },
    "company": {
        "target": ("target account", "leads from target accounts"),
        "not_target": ("not a target account", "leads from companies that are not target accounts"),
    },
    "job_title": {
        **{str(k): (f"{v} title", f"leads with {v} titles") for k, v in SENIORITY_WORDS.items()},
        UNKNOWN: ("no clear seniority", "leads whose title shows no clear seniority"),
        MISSING: ("not given", "leads without a job title"),
    },
}


def bucket_key(stats: FieldStats, row: np.ndarray) -> str | None:
    """The bucket of one encoded lead (a row of the model matrix); None if the field is unused."""
    if stats.column is None:
        return None
    value = float(row[stats.column])
    kind = stats.kind
    if kind == "job_title":
        if not math.isnan(value):
            return str(int(value))
        has_title = stats.aux_column is not None and not math.isnan(float(row[stats.aux_column]))
        return UNKNOWN if has_title else MISSING
    if math.isnan(value):
        return MISSING
    if kind == "categorical":
        code = int(value)
        return stats.categories[code] if code < len(stats.categories) else OTHER
    if kind == "numeric":
        return f"bin{bisect_right(stats.edges, value)}"
    if kind == "email":
        return "free_mail" if value else "company_email"
    if kind == "company":
        return "target" if value else "not_target"
    return "yes" if value else "no"


def describe(stats: FieldStats, key: str) -> tuple[str, str]:
    """(label, phrase) of a bucket: ``("director title", "leads with director titles")``."""
    name = in_sentence(stats.label)
    fixed = _FIXED.get(stats.kind, {})
    if key in fixed:
        return fixed[key]
    if key == MISSING and stats.kind == "boolean":
        return "unknown", f"leads where {name} is unknown"
    if key == MISSING:
        return "not given", f"leads with no {name} given"
    if stats.kind == "categorical":
        if key == OTHER:
            return "other values", f"leads with a less common {name}"
        return key, f"leads with {name} '{key}'"
    if stats.kind == "numeric":
        label = bin_label(stats.edges, int(key.removeprefix("bin")), stats.integral, stats.low)
        return label, f"leads with {label} {name}"
    return key, f"leads where {name} is {key}"


def bin_label(edges: list[float], i: int, integral: bool, low: float | None = None) -> str:
    """Words for bin ``i`` of inner ``edges``: 'under 40', '40–149', '2,500 or more'.

    Whole-number fields name their values ('0', '1–2'); ``low`` is the smallest training
    value, so the first bin of a count reads '0' rather than 'under 1'.
    """
    if not edges:  # every training lead had the same value
        return "any value" if low is None else number(low)
    if i >= len(edges):
        return f"{number(edges[-1])} or more"
    start = edges[i - 1] if i > 0 else low
    if start is None or (i == 0 and not integral):
        return f"under {number(edges[0])}"
    if not integral:
        return f"{number(start)} to under {number(edges[i])}"
    first, last = math.ceil(start), math.ceil(edges[i]) - 1
    return number(first) if first >= last else f"{number(first)}–{number(last)}"


def number(value: float) -> str:
    """A number for people: thousands separated, at most three significant digits below 100."""
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def percent(rate: float | None) -> str:
    """'25 %', 'under 1 %', and '–' for a rate that is not defined (nothing to divide by)."""
    if rate is None:
        return "–"
    if 0 < rate < 0.01:
        return "under 1 %"
    return f"{rate * 100:.0f} %"


def signed_points(points: float) -> str:
    """'+14', '−5', '+0.4': whole points when they are large enough to read as such."""
    text = f"{abs(points):.0f}" if abs(points) >= 1 else f"{abs(points):.1f}"
    return ("−" if points < 0 else "+") + text


def shown_value(stats: FieldStats, value: Any, personal: bool) -> str | None:
    """How a sent value appears in a sentence; personal fields never appear in full."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(float(value))
    if stats.kind == "email":
        return email_domain(str(value)) or "invalid address"
    if personal:
        return "given"
    # Scrubbed before it is cut: a cut email ("jane@…") no longer looks like one.
    text = scrub_contacts(str(value))
    return text if len(text) <= 60 else text[:57] + "…"


def _head(stats: FieldStats, shown: str | None) -> str:
    if shown is None:
        return f"{stats.label} not given"
    if stats.kind == "boolean":
        return stats.label if shown == "yes" else f"No {in_sentence(stats.label)}"
    if stats.kind == "numeric":
        return f"{stats.label} {shown}"
    return f"{stats.label} '{shown}'"


def sentence(
    stats: FieldStats,
    key: str | None,
    bucket: Bucket | None,
    shown: str | None,
    points: float,
    base_rate: float | None,
) -> str:
    """'Job title 'VP Marketing' (+14): leads with vice-president titles converted 31 % …'."""
    head = f"{_head(stats, shown)} ({signed_points(points)})"
    if key is None or base_rate is None:
        return head + "."
    phrase = bucket.phrase if bucket else describe(stats, key)[1]
    overall = percent(base_rate)
    if bucket is None or bucket.leads == 0 or bucket.conversion is None:
        return f"{head}: the training data had no {phrase}, so no past leads back this effect."
    if bucket.leads < MIN_EVIDENCE_LEADS:
        return (
            f"{head}: {phrase} are rare in the training data ({bucket.leads} leads, "
            f"{bucket.wins} won), against {overall} conversion overall."
        )
    rate = percent(bucket.conversion)
    if rate == overall or _within_noise(bucket.conversion, base_rate, bucket.leads):
        return (
            f"{head}: {phrase} converted about as often as leads overall ({rate} against "
            f"{overall}); {_COMBINED}"
        )
    if (bucket.conversion > base_rate) != (points > 0):
        usual = "more" if bucket.conversion > base_rate else "less"
        return (
            f"{head}: on their own, {phrase} converted {usual} often than average ({rate} "
            f"against {overall}), yet for this lead {_COMBINED}"
        )
    return f"{head}: {phrase} converted {rate} of the time, against {overall} overall."


# Said when the model's view (points) and the data's view (one field's conversion) differ:
# the model credits a value together with the lead's other fields.
_COMBINED = "the model weighs this value together with the lead's other fields."
_NOISE_Z = 2.0


def _within_noise(rate: float, base_rate: float, leads: int) -> bool:
    """Whether a bucket's conversion is within two standard errors of the overall rate."""
    spread = math.sqrt(max(base_rate * (1 - base_rate), 1e-12) / max(leads, 1))
    return abs(rate - base_rate) < _NOISE_Z * spread

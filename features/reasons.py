"""Canonical sales-feedback reasons and how a CRM's own picklist maps onto them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from features.values import is_missing


class CanonicalReason(StrEnum):
    WRONG_TARGET = "wrong_target"
    NOT_DECISION_MAKER = "not_decision_maker"
    NO_NEED = "no_need"
    BAD_TIMING = "bad_timing"
    NO_BUDGET = "no_budget"
    UNREACHABLE = "unreachable"
    COMPETITOR = "competitor"
    INVALID = "invalid"
    OTHER = "other"


R = CanonicalReason

# How much a loss with this reason counts in training. Invalid or duplicate leads are data
# errors, not lost leads (weight 0 leaves them out); a loss for bad timing says little about
# the lead and weighs less; a wrong target or a contact without decision power is a strong
# negative. A spec overrides any of these in [feedback.weights].
DEFAULT_REASON_WEIGHTS: dict[CanonicalReason, float] = {
    R.WRONG_TARGET: 1.5,
    R.NOT_DECISION_MAKER: 1.5,
    R.NO_NEED: 1.0,
    R.BAD_TIMING: 0.3,
    R.NO_BUDGET: 1.0,
    R.UNREACHABLE: 0.7,
    R.COMPETITOR: 0.8,
    R.INVALID: 0.0,
    R.OTHER: 1.0,
}

# Nurture tracks of C and D leads by their most likely loss reason; every other reason gets
# the general track. A spec overrides any of these in [routing.tracks].
RE_ENGAGE_LATER = "re_engage_later"
GENERAL_TRACK = "general"
DEFAULT_NURTURE_TRACKS: dict[CanonicalReason, str] = {
    R.BAD_TIMING: RE_ENGAGE_LATER,
    R.NO_NEED: "education",
    R.WRONG_TARGET: "find_right_contact",
    R.NOT_DECISION_MAKER: "find_right_contact",
}

DESCRIPTIONS: dict[CanonicalReason, str] = {
    R.WRONG_TARGET: "wrong target",
    R.NOT_DECISION_MAKER: "not the decision maker",
    R.NO_NEED: "no pain or need",
    R.BAD_TIMING: "bad timing",
    R.NO_BUDGET: "no budget",
    R.UNREACHABLE: "unreachable",
    R.COMPETITOR: "lost to a competitor",
    R.INVALID: "invalid or duplicate",
    R.OTHER: "other",
}

# Common wordings, matched after normalising case, punctuation and spacing.
_SYNONYMS: dict[str, CanonicalReason] = {
    "wrong target": R.WRONG_TARGET,
    "not a fit": R.WRONG_TARGET,
    "bad fit": R.WRONG_TARGET,
    "not decision maker": R.NOT_DECISION_MAKER,
    "not the decision maker": R.NOT_DECISION_MAKER,
    "no decision power": R.NOT_DECISION_MAKER,
    "no need": R.NO_NEED,
    "no pain": R.NO_NEED,
    "no pain or need": R.NO_NEED,
    "not interested": R.NO_NEED,
    "bad timing": R.BAD_TIMING,
    "timing": R.BAD_TIMING,
    "not now": R.BAD_TIMING,
    "no budget": R.NO_BUDGET,
    "budget": R.NO_BUDGET,
    "too expensive": R.NO_BUDGET,
    "unreachable": R.UNREACHABLE,
    "no response": R.UNREACHABLE,
    "could not reach": R.UNREACHABLE,
    "competitor": R.COMPETITOR,
    "lost to competitor": R.COMPETITOR,
    "lost to a competitor": R.COMPETITOR,
    "invalid": R.INVALID,
    "duplicate": R.INVALID,
    "invalid or duplicate": R.INVALID,
    "spam": R.INVALID,
}


@lru_cache(maxsize=4096)  # picklist keys and CRM reasons repeat on every call
def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def canonical_reason(
    raw: Any, mapping: Mapping[str, CanonicalReason] | None = None
) -> CanonicalReason | None:
    """Map a free-text or picklist reason to a canonical one.

    The spec's own mapping wins, then canonical names and common wordings; anything else is
    ``other`` (the raw text is kept by the caller). ``None``, NaN or blank means no reason
    given (pandas' string columns hold NaN for a missing reason).
    """
    if is_missing(raw):
        return None
    text = str(raw).strip()
    if mapping:
        if text in mapping:
            return mapping[text]
        by_norm = {_normalise(k): v for k, v in mapping.items()}
        if _normalise(text) in by_norm:
            return by_norm[_normalise(text)]
    norm = _normalise(text)
    if norm.replace(" ", "_") in CanonicalReason.__members__.values():
        return CanonicalReason(norm.replace(" ", "_"))
    return _SYNONYMS.get(norm, R.OTHER)

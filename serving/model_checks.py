"""Checks a newly loaded model passes before it may serve: its schema, and a warm-up.

Both run off the request path, on the loading thread, before the swap.
"""

from __future__ import annotations

import math
from typing import Any

from features.errors import LeadgradeError
from features.grading import GRADES
from features.spec import LeadSpec
from models.scorer import LeadScorer

WARM_UP_LEADS = 16
_TITLES = ("CEO", "VP Marketing", "Director of IT", "Sales Manager", "Data Analyst", "Intern")
_EMAILS = ("someone@gmail.com", "someone@company.example")


class WarmUpFailed(LeadgradeError):
    code = "model_warm_up_failed"


def schema_change(old: LeadSpec, new: LeadSpec) -> str | None:
    """How the request schema changes from ``old`` to ``new``; None when it is the same.

    Serving builds its request schema from the model's spec, so a changed spec changes
    what the API accepts: a removed field is then an unknown field (422).
    """
    before, after = old.feature_kinds, new.feature_kinds
    parts = []
    if old.lead.id != new.lead.id:
        parts.append(f"lead id {old.lead.id!r} → {new.lead.id!r}")
    if removed := sorted(set(before) - set(after)):
        parts.append(f"removed {', '.join(removed)}")
    if added := sorted(set(after) - set(before)):
        parts.append(f"added {', '.join(added)}")
    changed = sorted(f for f in set(before) & set(after) if before[f] != after[f])
    if changed:
        parts.append("retyped " + ", ".join(f"{f} ({before[f]} → {after[f]})" for f in changed))
    return "; ".join(parts) or None


def warm_up(scorer: LeadScorer) -> None:
    """Score and explain a sample of leads; :class:`WarmUpFailed` if any answer is wrong."""
    leads = sample_leads(scorer, WARM_UP_LEADS)
    try:
        scored = scorer.score_records(leads)
        explained = scorer.explain_records(leads[:4])
    except Exception as exc:  # any failure here means the model cannot serve
        raise WarmUpFailed(f"the model fails on sample leads: {type(exc).__name__}: {exc}") from exc
    if len(scored) != len(leads) or len(explained) != 4:
        raise WarmUpFailed("the model returned a different number of results than leads sent")
    for result in scored:
        p = result["probability"]
        if not (math.isfinite(p) and 0.0 <= p <= 1.0) or result["grade"] not in GRADES:
            raise WarmUpFailed(
                f"the model gave a sample lead probability {p} and grade {result['grade']!r}"
            )


def sample_leads(scorer: LeadScorer, n: int) -> list[dict[str, Any]]:
    """``n`` leads that touch every feature: kept categories, numeric bins, every title level."""
    spec, fields = scorer.spec, scorer.report.fields if scorer.report else {}
    categories = scorer.transformer.categories_
    leads: list[dict[str, Any]] = []
    for i in range(n):
        lead: dict[str, Any] = {spec.lead.id: f"warm-up-{i}"}
        for field, kind in spec.feature_kinds.items():
            if i == 0:
                continue  # the first lead has only an id: every field missing
            if kind == "categorical" and categories.get(field):
                lead[field] = categories[field][i % len(categories[field])]
            elif kind == "numeric":
                edges = fields[field].edges if field in fields else []
                lead[field] = edges[i % len(edges)] if edges else float(i)
            elif kind == "boolean":
                lead[field] = i % 2 == 0
            elif kind == "email":
                lead[field] = _EMAILS[i % 2]
            elif kind == "job_title":
                lead[field] = _TITLES[i % len(_TITLES)]
            elif kind == "company":
                lead[field] = f"Company {i}"
        leads.append(lead)
    return leads

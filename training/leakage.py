"""The leakage audit: features too good to have been known when the lead arrived.

The classic failure of lead scoring is a model that learned from fields sales filled in
after working the lead (their rating, a status tag, the date of the last call). The audit
runs in every training, on the training leads only, and checks each input field three ways:

- **alone**: its single-feature ROC-AUC, orientation-free (``max(auc, 1 - auc)``). Values
  are grouped (categories as they are; numbers in up to 20 quantile bins; missing as a
  group of its own, since "filled in or not" is itself a classic leak) and each group
  replaced by its won rate, estimated out-of-fold (5 folds, smoothed towards the overall
  rate) so that a field with thousands of distinct values does not score on memory alone.
  Above ``max_single_auc`` (default 0.90) it fails.
- **dominance**: its share of the fitted booster's total gain. More than
  ``dominant_share`` (0.60) while the next field has under ``runner_up_share`` (0.15)
  means the model is mostly this one field; it fails. Checked with three or more fields.
- **dates**: for text fields whose values are dates, the share of values on a later day
  than the lead's creation (needs ``lead.created_at``). Above ``max_after_creation``
  (0.05) the field was set afterwards; it fails.

A field flagged by any check fails the run unless it is listed in ``allow_leaky``. The
failure message also names the strongest unflagged fields (alone AUC >= 0.70): a leak
rarely comes alone, and sales' other fields tend to sit just below the limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from features.errors import DataError
from features.spec import LeadSpec
from features.transform import LeadTransformer
from training.checks import DataChecks

_BINS = 20
_FOLDS = 5
_SMOOTHING = 10.0  # pseudo-leads at the overall won rate added to every group
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})")
_DATE_LIKE_SHARE = 0.9
_REVIEW_AUC = 0.70  # unflagged fields this strong are named for review when the audit fails
_REVIEW_COUNT = 3


@dataclass(frozen=True)
class FeatureAudit:
    """One row of the audit table."""

    field: str
    kind: str  # the field's kind in the spec: categorical, numeric, boolean, email, ...
    auc: float | None  # single-feature ROC-AUC (0.5: no signal); None if no model column
    coverage: float  # share of training leads with a value
    importance: float  # share of the booster's total gain
    after_creation: float | None  # share of date values later than creation; None: no dates
    flags: tuple[str, ...]  # which checks it fails: "auc", "dominant", "after_creation"
    allowed: bool  # flagged, but allowed by allow_leaky


class LeakageError(DataError):
    """The audit stopped the run; it carries the whole audit so that the run is recorded."""

    def __init__(self, message: str, audit: LeakageAudit, **details: Any) -> None:
        super().__init__(message, **details)
        self.audit = audit


@dataclass(frozen=True)
class LeakageAudit:
    features: list[FeatureAudit]
    checks: DataChecks

    @property
    def blocking(self) -> list[FeatureAudit]:
        """Flagged features that are not allowed: any of them fails the run."""
        return [f for f in self.features if f.flags and not f.allowed]

    def table(self) -> list[dict[str, Any]]:
        """The audit as JSON-ready rows, strongest single predictor first."""
        return [asdict(f) for f in self.features]

    def warnings(self) -> list[str]:
        """One line per flagged feature that ``allow_leaky`` let through."""
        return [
            f"leakage audit overridden (--allow-leaky) for {f.field!r}: {_why(f, self.checks)}"
            for f in self.features
            if f.flags and f.allowed
        ]

    def raise_if_leaky(self) -> None:
        """Fail with a message naming each blocking feature and what to do about it."""
        bad = self.blocking
        if not bad:
            return
        lines = [f"  - {f.field!r}: {_why(f, self.checks)}.\n    {_remedy(f)}" for f in bad]
        raise LeakageError(
            f"leakage audit: {len(bad)} feature(s) predict the outcome too well to be known "
            "when a lead arrives:\n" + "\n".join(lines) + self._review_note(),
            self,
            field=bad[0].field,
            leaky=[f.field for f in bad],
        )

    def _review_note(self) -> str:
        strong = [f for f in self.features if not f.flags and (f.auc or 0.0) >= _REVIEW_AUC]
        if not strong:
            return ""
        named = ", ".join(f"{f.field!r} (AUC {f.auc:.3f})" for f in strong[:_REVIEW_COUNT])
        return f"\nAlso check that these strong predictors are known when a lead arrives: {named}."


def audit_leakage(
    train: pd.DataFrame,
    X: np.ndarray,
    y: np.ndarray,
    transformer: LeadTransformer,
    importance: Mapping[str, float],
    checks: DataChecks,
) -> LeakageAudit:
    """Audit every feature of the spec on the training leads (validated frame and matrix)."""
    spec = transformer.spec
    aucs = _field_aucs(X, y, transformer)
    dominant = dominant_field(importance, checks)
    created = train[spec.lead.created_at] if spec.lead.created_at else None
    rows = []
    for field in spec.feature_fields:
        auc, share = aucs.get(field), float(importance.get(field, 0.0))
        after = dates_after_creation(train[field], created)
        hits = {
            "auc": auc is not None and auc > checks.max_single_auc,
            "dominant": field == dominant,
            "after_creation": after is not None and after > checks.max_after_creation,
        }
        flags = tuple(name for name, hit in hits.items() if hit)
        rows.append(
            FeatureAudit(
                field=field,
                kind=spec.feature_kinds[field],
                auc=_rounded(auc),
                coverage=round(float(train[field].notna().mean()), 4) if len(train) else 0.0,
                importance=round(share, 4),
                after_creation=_rounded(after),
                flags=flags,
                allowed=bool(flags) and field in checks.allow_leaky,
            )
        )
    rows.sort(key=lambda r: -(r.auc or 0.0))
    return LeakageAudit(rows, checks)


def check_allowed(spec: LeadSpec, allow: Sequence[str]) -> None:
    """Fail if ``--allow-leaky`` names a field that is not a feature of the spec."""
    unknown = [a for a in allow if a not in spec.feature_fields]
    if unknown:
        raise DataError(
            f"--allow-leaky {unknown[0]!r} is not a feature of spec {spec.name!r}; "
            f"its features are: {', '.join(spec.feature_fields)}",
            field=unknown[0],
        )


def single_feature_auc(
    values: np.ndarray, y: np.ndarray, *, categorical: bool, seed: int = 0
) -> float:
    """Orientation-free ROC-AUC of one column alone, from out-of-fold won rates per group."""
    y = np.asarray(y, dtype=np.int64)
    if np.unique(y).size < 2 or np.bincount(y).min() < _FOLDS:
        return 0.5
    groups = _groups(np.asarray(values, dtype=float), categorical)
    encoded = np.empty(len(y))
    prior = float(y.mean())
    for fit, held in StratifiedKFold(_FOLDS, shuffle=True, random_state=seed).split(groups, y):
        wins = np.bincount(groups[fit], weights=y[fit], minlength=groups.max() + 1)
        leads = np.bincount(groups[fit], minlength=groups.max() + 1)
        rate = (wins + _SMOOTHING * prior) / (leads + _SMOOTHING)
        encoded[held] = rate[groups[held]]
    auc = float(roc_auc_score(y, encoded))
    return max(auc, 1.0 - auc)


def dates_after_creation(values: pd.Series, created: pd.Series | None) -> float | None:
    """Share of a date-valued field's dates on a later day than the lead's creation."""
    if created is None or values.dtype.kind in "biufcb":
        return None
    text = values.dropna().astype(str)
    if text.empty or text.str.match(_DATE).mean() < _DATE_LIKE_SHARE:
        return None
    dates = pd.to_datetime(values.where(values.notna()), errors="coerce", utc=True, format="mixed")
    both = dates.notna() & created.notna()
    if not both.any():
        return None
    later = dates[both].dt.normalize() > created[both].dt.normalize()
    return float(later.mean())


def _field_aucs(X: np.ndarray, y: np.ndarray, transformer: LeadTransformer) -> dict[str, float]:
    """Per input field, the best single-feature AUC of the model columns derived from it."""
    categorical = set(transformer.categorical_indices_)
    out: dict[str, float] = {}
    for j, source in enumerate(transformer.sources_):
        auc = single_feature_auc(X[:, j], y, categorical=j in categorical)
        out[source] = max(out.get(source, 0.0), auc)
    return out


def _groups(values: np.ndarray, categorical: bool) -> np.ndarray:
    """Integer group per value: each category or quantile bin, and one group for missing."""
    present = ~np.isnan(values)
    groups = np.zeros(len(values), dtype=np.int64)
    distinct = np.unique(values[present])
    if categorical or distinct.size <= _BINS:
        groups[present] = np.searchsorted(distinct, values[present])
    else:
        edges = np.unique(np.quantile(values[present], np.linspace(0, 1, _BINS + 1)[1:-1]))
        groups[present] = np.searchsorted(edges, values[present], side="right")
    groups[~present] = groups[present].max() + 1 if present.any() else 0
    return groups


def dominant_field(importance: Mapping[str, float], checks: DataChecks) -> str | None:
    """The field whose share of the gain dwarfs the rest, if any (needs three fields)."""
    shares = sorted(importance.items(), key=lambda kv: -kv[1])
    if len(shares) < 3:
        return None
    (top, share), (_, runner_up) = shares[0], shares[1]
    if share > checks.dominant_share and runner_up < checks.runner_up_share:
        return top
    return None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _remedy(f: FeatureAudit) -> str:
    """What to do about one flagged field, by what it is: a late date, a measure, a verdict."""
    allow = f"--allow-leaky {f.field!r} only if it is truly known when a lead arrives"
    drop = f'drop it (features.drop = ["{f.field}"])'
    if "after_creation" in f.flags:
        return f"Its dates are set after the lead arrives: {drop}."
    if f.kind in ("numeric", "boolean"):
        return (
            f"If it is measured during or after contact (a call's length, a page value, a "
            f"close date), {drop}; {allow}."
        )
    return (
        f"If it is sales' verdict on the lead (a loss reason, a status, a rating), declare it "
        f'under [feedback] (reason = "{f.field}" or rating = "{f.field}"): it then shapes '
        f"labels and reports, never the score; otherwise {drop}; {allow}."
    )


def _why(f: FeatureAudit, checks: DataChecks) -> str:
    parts = []
    if "auc" in f.flags:
        parts.append(f"alone it reaches ROC-AUC {f.auc:.3f} (limit {checks.max_single_auc:.2f})")
    if "dominant" in f.flags:
        parts.append(
            f"it carries {f.importance:.0%} of the model's gain "
            f"(limit {checks.dominant_share:.0%} while the next has under "
            f"{checks.runner_up_share:.0%})"
        )
    if "after_creation" in f.flags and f.after_creation is not None:
        parts.append(f"{f.after_creation:.0%} of its dates fall after the lead was created")
    return "; ".join(parts)

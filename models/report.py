"""The model report: what drives lead quality, computed at training time and kept in the model.

It travels inside ``LeadScorer`` (so serving can show it without MLflow) and is logged to
MLflow as JSON. The per-value tables double as the evidence quoted in per-lead reasons.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from features.fields import default_label
from features.spec import LeadSpec

# A bucket with fewer training leads than this is called rare in a reason's sentence.
MIN_EVIDENCE_LEADS = 20


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bucket(_Frozen):
    """One value (categorical), value class (derived) or bin (numeric) of a field."""

    key: str = Field(description="stable id: the category, 'bin0'…, 'yes', 'missing', 'other'")
    label: str = Field(description="the value or range as a marketer reads it")
    phrase: str = Field(description="the leads in this bucket, e.g. 'leads with director titles'")
    leads: int
    wins: int
    conversion: float | None = Field(description="wins / leads among closed training leads")


class FieldStats(_Frozen):
    """Conversion per value of one input field, read from the model column(s) it feeds."""

    field: str
    label: str = Field(description="the field's name for people, e.g. 'Job title'")
    kind: str
    column: int | None = Field(description="model column the buckets read; None: unused")
    aux_column: int | None = Field(default=None, description="job title: its function column")
    edges: list[float] = Field(default_factory=list, description="numeric: inner bin edges")
    integral: bool = Field(default=False, description="numeric: whole numbers only")
    low: float | None = Field(default=None, description="numeric: smallest training value")
    categories: list[str] = Field(default_factory=list, description="categorical: kept values")
    buckets: list[Bucket]

    def bucket(self, key: str) -> Bucket | None:
        return next((b for b in self.buckets if b.key == key), None)


class FieldImportance(_Frozen):
    field: str
    label: str
    mean_abs_points: float = Field(description="mean |effect| on the score, in points")
    mean_abs_log_odds: float = Field(description="mean |TreeSHAP contribution|, in log-odds")
    share: float = Field(description="share of the sum of mean |points| over all fields")


class GradeSummary(_Frozen):
    grade: str
    leads: int
    share: float
    wins: float
    conversion: float | None
    capture: float = Field(description="share of all wins that landed in this grade")
    lift: float | None = Field(description="conversion / overall conversion")


class CalibrationBin(_Frozen):
    predicted: float = Field(description="mean predicted probability in the bin")
    observed: float = Field(description="observed conversion in the bin")
    leads: int


class ModelReport(_Frozen):
    """Global importance, per-value conversion tables, grade table and calibration."""

    leads: int = Field(description="closed training leads the value tables count")
    wins: int
    base_rate: float = Field(description="overall conversion of those leads")
    base_log_odds: float = Field(description="TreeSHAP expected value of the raw score")
    base_points: float = Field(description="score of a lead with no effects: base of reasons")
    evaluated_on: str = Field(description="the leads behind importance, grades, calibration")
    evaluated_leads: int
    importance: list[FieldImportance] = Field(description="largest first")
    fields: dict[str, FieldStats]
    grades: list[GradeSummary]
    calibration: list[CalibrationBin]


def field_label(name: str, spec: LeadSpec | None = None) -> str:
    """A field as people name it: the spec's label, else ``job_title`` → ``Job title``."""
    return spec.label_for(name) if spec is not None else default_label(name)


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Exit rates' → 'exit rates'; 'VIP status' stays."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.rstrip(".").isupper():
        return label
    return label[:1].lower() + label[1:]

"""What became of a lead: the spec's ``[outcome]`` and ``[feedback]`` sections.

``[outcome]`` says which leads were won or lost (a column, or a second file joined by id);
``[feedback]`` names what sales recorded and maps it to canonical loss reasons. The
training weight of a lost lead with a given reason, its *label weight*, is decided here
(:meth:`FeedbackSection.weight_for`, defaults in ``features.reasons``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from features.reasons import DEFAULT_REASON_WEIGHTS, CanonicalReason


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The column that the outcomes join writes when a lead is won by appearing in the file.
OUTCOME_FROM_FILE = "__outcome__"
_PRESENCE_LABELS: dict[str, Any] = {"column": OUTCOME_FROM_FILE, "won": ["won"], "lost": ["lost"]}


class OutcomeSection(_Section):
    """Which leads were won or lost: a column of the export, or a second file joined by id.

    With ``file`` (CSV or Parquet, relative to the data file's folder) outcomes come from
    that file, matched on its ``join`` column (default: the lead id's name). Either its
    status ``column`` holds the ``won``/``lost`` values (leads absent from it are open), or
    ``won_if_present = true``: the leads it lists are won and all others lost. ``date`` is
    the outcome time, a column of whichever table holds the outcome.
    """

    column: str
    won: list[str] = Field(min_length=1)
    lost: list[str] = Field(min_length=1)
    file: str | None = None
    join: str | None = None
    won_if_present: bool = False
    date: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _presence_labels(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("won_if_present"):
            return data
        if not data.get("file"):
            raise ValueError("won_if_present = true needs file, the outcomes file of won leads")
        if any(data[k] != v for k, v in _PRESENCE_LABELS.items() if k in data):
            raise ValueError(
                "with won_if_present = true leave out column, won and lost: "
                "the leads listed in the file are won, all others lost"
            )
        return {**data, **_PRESENCE_LABELS}

    @model_validator(mode="after")
    def _disjoint(self) -> OutcomeSection:
        both = set(self.won) & set(self.lost)
        if both:
            raise ValueError(f"outcome values {sorted(both)} are listed as both won and lost")
        if self.join and not self.file:
            raise ValueError("outcome.join names the id column of outcome.file; set file too")
        return self


class FeedbackSection(_Section):
    """Columns that sales fills in after contact: used for labels and reports, never features."""

    reason: str | None = None
    rating: str | None = None
    reasons: dict[str, CanonicalReason] = Field(default_factory=dict)
    weights: dict[CanonicalReason, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _non_negative(self) -> FeedbackSection:
        bad = {k: v for k, v in self.weights.items() if v < 0}
        if bad:
            raise ValueError(f"feedback weights must be >= 0, got {bad}")
        return self

    def weight_for(self, reason: CanonicalReason) -> float:
        """Training weight of a lost lead with this reason (0 means: leave the lead out)."""
        return self.weights.get(reason, DEFAULT_REASON_WEIGHTS[reason])

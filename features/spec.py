"""The lead spec: one TOML file that says what every column of a lead export means.

The spec is the single source of truth for a lead. Training validates rows with it, the
fitted model carries it, and serving builds its request schema from the model's copy, so
the API and the model can never disagree. See ``docs/spec.md`` for the reference.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.errors import SpecError
from features.fields import BadIds, BooleanValues, CsvSection, default_label, separator_hint
from features.grading import GradesSection, RoutingSection
from features.outcome import FeedbackSection, OutcomeSection

# The magnitude a numeric field may have when the spec declares no range for it: far beyond
# any count a lead has, far within what float32 training and scoring hold exactly enough.
DEFAULT_BOUND = 1e9
FieldKind = Literal["categorical", "numeric", "boolean", "email", "job_title", "company"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeadSection(_Section):
    """The id and creation time. Without ``id`` the API's id is ``lead_id`` and an export
    without such a column is numbered by row (see ``docs/spec.md``)."""

    id: str = "lead_id"
    created_at: str | None = None
    bad_ids: BadIds = "reject"  # "row_number": keep rows without or with a repeated id

    @property
    def named(self) -> bool:
        """Whether the spec names its id column (else rows may be numbered instead)."""
        return "id" in self.model_fields_set


class FeaturesSection(_Section):
    categorical: list[str] = Field(default_factory=list)
    numeric: list[str] = Field(default_factory=list)
    boolean: list[str] = Field(default_factory=list)
    email: str | None = None
    job_title: str | None = None
    company: str | None = None
    drop: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=lambda: [""])
    missing_by_field: dict[str, list[str]] = Field(default_factory=dict)
    boolean_values: dict[str, BooleanValues] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    # The values the API accepts for a numeric field, declared here and never learned from
    # data, so that the API contract changes only when the spec does.
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_ranges(self) -> FeaturesSection:
        for name, (low, high) in self.ranges.items():
            if name not in self.numeric:
                raise ValueError(f"features.ranges.{name}: not a numeric feature")
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise ValueError(f"features.ranges.{name}: needs finite [low, high], low <= high")
        return self

    def range_of(self, name: str) -> tuple[float, float]:
        """The accepted values of a numeric field: its declared range, or ± DEFAULT_BOUND."""
        return self.ranges.get(name, (-DEFAULT_BOUND, DEFAULT_BOUND))


class TargetAccountsSection(_Section):
    """Companies the business is going after, by email domain or by company name."""

    domains: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class PrivacySection(_Section):
    personal: list[str] = Field(default_factory=list)


class LeadSpec(_Section):
    """What each column of a lead export means. Build with :func:`load_spec` or :meth:`parse`."""

    name: str = "leads"
    lead: LeadSection
    outcome: OutcomeSection
    feedback: FeedbackSection = Field(default_factory=FeedbackSection)
    features: FeaturesSection
    grades: GradesSection = Field(default_factory=GradesSection)
    routing: RoutingSection = Field(default_factory=RoutingSection)
    target_accounts: TargetAccountsSection = Field(default_factory=TargetAccountsSection)
    privacy: PrivacySection = Field(default_factory=PrivacySection)
    csv: CsvSection = Field(default_factory=CsvSection)

    @model_validator(mode="after")
    def _one_role_per_column(self) -> LeadSpec:
        roles: dict[str, list[str]] = {}
        for column, role in self._roles():
            roles.setdefault(column, []).append(role)
        clashes = {c: r for c, r in roles.items() if len(r) > 1}
        if clashes:
            column, both = next(iter(clashes.items()))
            raise ValueError(f"column {column!r} has two roles: {' and '.join(both)}")
        if not self.feature_fields:
            raise ValueError("the spec declares no features")
        for group, fields in self.features.groups.items():
            unknown = sorted(set(fields) - set(self.feature_fields))
            if unknown:
                raise ValueError(f"features.groups.{group} names non-features: {unknown}")
        f = self.features
        for key, named, allowed in (
            ("missing_by_field", f.missing_by_field, self.feature_fields),
            ("labels", f.labels, self.feature_fields),
            ("boolean_values", f.boolean_values, f.boolean),
        ):
            unknown = sorted(set(named) - set(allowed))
            if unknown:
                what = "boolean features" if key == "boolean_values" else "features"
                raise ValueError(f"features.{key} names fields that are not {what}: {unknown}")
        return self

    def missing_for(self, field: str) -> tuple[str, ...]:
        """Answers that mean "missing" in this field: the global ones and its own."""
        own = self.features.missing_by_field.get(field, [])
        return (*self.features.missing, *own) if own else tuple(self.features.missing)

    def label_for(self, field: str) -> str:
        """The field as people name it: its ``features.labels`` entry or a readable default."""
        return self.features.labels.get(field) or default_label(field)

    def _roles(self) -> Iterable[tuple[str, str]]:
        yield self.lead.id, "lead.id"
        if self.lead.created_at:
            yield self.lead.created_at, "lead.created_at"
        yield self.outcome.column, "outcome.column"
        if self.outcome.date:
            yield self.outcome.date, "outcome.date"
        if self.feedback.reason:
            yield self.feedback.reason, "feedback.reason"
        if self.feedback.rating:
            yield self.feedback.rating, "feedback.rating"
        f = self.features
        for kind in ("categorical", "numeric", "boolean", "drop"):
            for name in getattr(f, kind):
                yield name, f"features.{kind}"
        for kind in ("email", "job_title", "company"):
            if getattr(f, kind):
                yield getattr(f, kind), f"features.{kind}"

    @cached_property  # the spec is frozen; scoring reads this for every request
    def feature_kinds(self) -> dict[str, FieldKind]:
        """Input fields the model uses, in a fixed order, with their kind."""
        f = self.features
        kinds: dict[str, FieldKind] = {}
        kinds.update(dict.fromkeys(f.categorical, "categorical"))
        kinds.update(dict.fromkeys(f.numeric, "numeric"))
        kinds.update(dict.fromkeys(f.boolean, "boolean"))
        for kind in ("email", "job_title", "company"):
            column = getattr(f, kind)
            if column:
                kinds[column] = kind
        return kinds

    @property
    def feature_fields(self) -> list[str]:
        return list(self.feature_kinds)

    @property
    def feedback_fields(self) -> list[str]:
        return [c for c in (self.feedback.reason, self.feedback.rating) if c]

    @property
    def required_columns(self) -> list[str]:
        """Columns a training export must have (the id only if the spec names it)."""
        optional = [c for c in (self.lead.created_at, self.outcome.date) if c]
        ids = [self.lead.id] if self.lead.named else []
        return [*ids, self.outcome.column, *optional, *self.feature_fields]

    def check_columns(self, columns: Iterable[str]) -> None:
        """Fail, naming them, if columns the spec relies on are absent from the data."""
        present = set(columns)
        missing = [c for c in self.required_columns + self.feedback_fields if c not in present]
        if self.outcome.file and self.outcome.column in missing:
            raise SpecError(
                f"outcomes come from {self.outcome.file!r}: join it to the leads first "
                "(training.sources.read_training_data does, and so does leadgrade train)",
                field="outcome.file",
            )
        if missing:
            raise SpecError(
                f"the data lacks column(s) named in the spec: {', '.join(missing)}"
                + separator_hint(list(present), len(missing), len(self.required_columns)),
                field=missing[0],
                missing=missing,
            )

    @classmethod
    def parse(cls, text: str, source: str = "<spec>") -> LeadSpec:
        """Parse TOML text, turning every problem into a :class:`SpecError` naming its place."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{source}: not valid TOML: {exc}") from exc
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "spec"
            msg = first["msg"].removeprefix("Value error, ")
            if first["type"] == "missing":
                msg = "this section or key is required"
            raise SpecError(f"{source}: {where}: {msg}", field=where) from exc


def load_spec(path: str | Path) -> LeadSpec:
    """Read a spec from a TOML file; a :class:`SpecError` naming the file if it cannot."""
    return load_spec_with_text(path)[0]


def load_spec_with_text(path: str | Path) -> tuple[LeadSpec, str]:
    """A spec and its TOML as written (training logs the text with the run)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read spec {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read spec {path}: not UTF-8 text ({exc.reason})") from exc
    return LeadSpec.parse(text, source=str(path)), text


def demo_spec_text() -> str:
    """The spec of the bundled demo data, as shipped in the package."""
    return resources.files("features.specs").joinpath("demo.toml").read_text(encoding="utf-8")


def demo_spec() -> LeadSpec:
    return LeadSpec.parse(demo_spec_text(), source="features/specs/demo.toml")

"""Property tests of the spec parser: every valid spec parses to what it says and round-trips;
every broken one is a SpecError (a ValueError) naming its key, never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.errors import SpecError
from features.spec import DEFAULT_BOUND, LeadSpec

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A spec as the TOML tables it is written in: every column with one role."""
    columns = draw(st.lists(NAMES, min_size=5, max_size=14, unique=True))
    lead_id, outcome, *features = columns
    cut = sorted(draw(st.lists(st.integers(0, len(features)), min_size=2, max_size=2)))
    categorical, numeric, boolean = (
        features[: cut[0]],
        features[cut[0] : cut[1]],
        features[cut[1] :],
    )
    won, lost = draw(st.lists(NAMES, min_size=2, max_size=5, unique=True).map(_split))
    spec: dict[str, Any] = {
        "name": draw(NAMES),
        "lead": {"id": lead_id},
        "outcome": {"column": outcome, "won": won, "lost": lost},
        "features": {"categorical": categorical, "numeric": numeric, "boolean": boolean},
    }
    ranged = draw(st.lists(st.sampled_from(numeric), unique=True)) if numeric else []
    if ranged:
        bounds = [sorted(draw(st.lists(FINITE, min_size=2, max_size=2))) for _ in ranged]
        spec["features"]["ranges"] = dict(zip(ranged, bounds, strict=True))
    return spec


def _split(values: list[str]) -> tuple[list[str], list[str]]:
    return values[:1], values[1:]


def to_toml(spec: dict[str, Any]) -> str:
    """TOML text of a spec: top-level keys, then one table per section (strings as JSON,
    which TOML reads alike for these names and finite numbers)."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in spec.items() if _scalar(value)]
    for section, table in spec.items():
        if _scalar(table):
            continue
        lines.append(f"[{section}]")
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items() if k not in nested]
        for key, inner in nested.items():
            lines.append(f"[{section}.{key}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in inner.items()]
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict)


@settings(max_examples=150, deadline=None)
@given(valid_specs())
def test_every_valid_spec_parses_to_what_it_says(raw):
    spec = LeadSpec.parse(to_toml(raw))

    features = raw["features"]
    assert spec.lead.id == raw["lead"]["id"]
    assert spec.outcome.column == raw["outcome"]["column"]
    assert (
        spec.feature_fields == features["categorical"] + features["numeric"] + features["boolean"]
    )
    ranges = features.get("ranges", {})
    for name in features["numeric"]:
        expected = tuple(ranges[name]) if name in ranges else (-DEFAULT_BOUND, DEFAULT_BOUND)
        assert spec.features.range_of(name) == expected


@settings(max_examples=150, deadline=None)
@given(valid_specs())
def test_a_parsed_spec_written_out_again_parses_to_the_same_spec(raw):
    spec = LeadSpec.parse(to_toml(raw))

    written = spec.model_dump(mode="json", exclude_unset=True)

    assert LeadSpec.parse(to_toml(written)) == spec


def _unknown_key(raw: dict[str, Any], section: str) -> tuple[dict[str, Any], str]:
    raw[section]["colour"] = "red"
    return raw, f"{section}.colour"


def _second_role(raw: dict[str, Any], _: str) -> tuple[dict[str, Any], str]:
    raw["features"]["categorical"] = [*raw["features"]["categorical"], raw["lead"]["id"]]
    return raw, "has two roles: lead.id and features.categorical"


def _wrong_type(raw: dict[str, Any], section: str) -> tuple[dict[str, Any], str]:
    key = next(iter(raw[section]))
    raw[section][key] = {"not": "a value"}
    return raw, f"{section}.{key}"


def _missing_section(raw: dict[str, Any], section: str) -> tuple[dict[str, Any], str]:
    del raw[section]
    return raw, f"{section}: this section or key is required"


BREAKS = [_unknown_key, _second_role, _wrong_type, _missing_section]


@settings(max_examples=200, deadline=None)
@given(
    valid_specs(),
    st.sampled_from(BREAKS),
    st.sampled_from(["lead", "outcome", "features"]),
)
def test_a_broken_spec_is_a_spec_error_naming_its_key(raw, breaks, section):
    broken, named = breaks(raw, section)

    with pytest.raises(SpecError) as raised:
        LeadSpec.parse(to_toml(broken))

    assert isinstance(raised.value, ValueError)
    assert named in str(raised.value)


def _mangled(text: str) -> st.SearchStrategy[str]:
    """``text`` with a slice of it replaced by arbitrary characters."""

    def splice(at: int, length: int, inserted: str) -> str:
        return text[:at] + inserted + text[at + length :]

    return st.builds(splice, st.integers(0, len(text)), st.integers(0, 20), st.text(max_size=10))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | valid_specs().map(to_toml).flatmap(_mangled))
def test_any_text_is_a_spec_or_a_spec_error(text):
    parsed = _spec_or_error(text)

    assert isinstance(parsed, LeadSpec) or str(parsed).startswith("<spec>: ")


def _spec_or_error(text: str) -> LeadSpec | SpecError:
    """The spec, or the SpecError (any other exception fails the test)."""
    try:
        return LeadSpec.parse(text)
    except SpecError as exc:
        return exc

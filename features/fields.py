"""How an export is written and how its fields read: CSV dialect, per-field values, labels.

These spec sections describe a company's export as it comes, so that nobody has to edit
the file before training: its CSV dialect and encoding (``[csv]``), the values that mean
"missing" in one column only, yes/no columns with a third "unknown" value, and the words
people use for each field (``[features.labels]``, or a readable default from the name).
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SEPARATORS = (",", ";", "\t", "|")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_JOINED = frozenset({"related", "based", "driven"})


class CsvSection(BaseModel):
    """How a CSV export is written; anything left out is detected from the file itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    separator: str | None = None
    quote: str = '"'
    encoding: str | None = None

    @field_validator("separator")
    @classmethod
    def _one_separator(cls, value: str | None) -> str | None:
        if value is not None and value not in SEPARATORS:
            shown = ", ".join(repr(s) for s in SEPARATORS)
            raise ValueError(f"csv.separator must be one of {shown}, got {value!r}")
        return value

    @field_validator("quote")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(f"csv.quote must be one character, got {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"csv.encoding {value!r} is not an encoding Python knows") from exc
        return value


class BooleanValues(BaseModel):
    """The answers of one yes/no field; any other answer (e.g. "unknown") is missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    true: list[str] = Field(min_length=1)
    false: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _disjoint(self) -> BooleanValues:
        both = {v.strip().lower() for v in self.true} & {v.strip().lower() for v in self.false}
        if both:
            raise ValueError(f"values {sorted(both)} are listed as both true and false")
        return self

    def parse(self, text: str) -> bool | None:
        """True, False, or None for every other answer (it means the value is unknown)."""
        folded = text.strip().lower()
        if folded in self._true:
            return True
        if folded in self._false:
            return False
        return None

    @property
    def _true(self) -> frozenset[str]:
        return frozenset(v.strip().lower() for v in self.true)

    @property
    def _false(self) -> frozenset[str]:
        return frozenset(v.strip().lower() for v in self.false)


BadIds = Literal["reject", "row_number"]


def row_id(row: int) -> str:
    """The id of the export's ``row``-th data row (1-based, the header not counted)."""
    return f"row-{row}"


def default_label(name: str) -> str:
    """A column name as people write it.

    ``job_title`` → "Job title", ``ExitRates`` → "Exit rates", ``nr.employed`` → "Nr.
    employed", ``ProductRelated_Duration`` → "Product-related duration". Words such as
    "related" or "based" join the word before them with a hyphen.
    """
    if "/" in name.strip("/"):
        return "/".join(default_label(part) for part in name.split("/") if part)
    words: list[str] = []
    for part in re.split(r"[\s_\-]+", name.strip()):
        for piece in re.split(r"(?<=\.)", part):
            found = _WORD.findall(piece)
            if not found:
                continue
            if piece.endswith("."):
                found[-1] += "."
            words.extend(found)
    if not words:
        return name
    lowered = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    joined: list[str] = []
    for word in lowered:
        if joined and word in _JOINED:
            joined[-1] = f"{joined[-1]}-{word}"
        else:
            joined.append(word)
    text = " ".join(joined)
    return text[:1].upper() + text[1:]


def separator_hint(columns: list[str], missing: int, required: int) -> str:
    """When most spec columns are absent, a hint that the file uses another separator."""
    if missing * 2 < required:
        return ""
    header = " ".join(columns)
    found = [s for s in SEPARATORS if s in header]
    if not found:
        return ""
    shown = "tab" if found[0] == "\t" else repr(found[0])
    escaped = "\\t" if found[0] == "\t" else found[0]
    return (
        f"; the header read as {len(columns)} column(s) but holds {shown}: is the file "
        f'{shown}-separated? State it in the spec: [csv] separator = "{escaped}"'
    )

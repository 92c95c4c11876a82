"""Every reason sentence on the demo and X Education holdouts agrees with its own numbers.

A reason's points are the model's view; the conversion it quotes is the data's view of one
field alone. Where they disagree in direction, or the difference is within noise, the
sentence must say so instead of quoting a rate on the wrong side of the average.
"""

from __future__ import annotations

import re

import pytest

from models.evidence import bin_label
from tests.helpers import tiny_training
from training.pipeline import TrainingResult

PLAIN = re.compile(r"converted (under 1|\d+) % of the time, against (\d+) % overall\.$")
EXPLAINED = "the model weighs this value together with the lead's other fields."
SHOWN_LEADS = 400


def _sentences(result: TrainingResult) -> list[tuple[float, str]]:
    spec = result.scorer.spec
    holdout = result.holdout.head(SHOWN_LEADS)
    records = holdout[[spec.lead.id, *spec.feature_fields]].to_dict("records")
    explained = result.scorer.explain_records(records, top=3)
    return [(r["points"], r["sentence"]) for _, lead in explained for r in lead["reasons"]]


def _check(sentences: list[tuple[float, str]]) -> None:
    assert sentences
    for points, text in sentences:
        assert "any value" not in text, text
        found = PLAIN.search(text)
        if found is None:
            continue
        rate = 0.0 if found[1] == "under 1" else float(found[1])
        overall = float(found[2])
        assert (rate > overall) if points > 0 else (rate < overall), text
    assert any(EXPLAINED in t for _, t in sentences)  # the honest form is in use


def test_no_demo_reason_contradicts_its_own_numbers() -> None:
    _check(_sentences(tiny_training()))


@pytest.mark.shared_data
def test_no_x_education_reason_contradicts_its_own_numbers() -> None:
    from tests.training.test_real_data import X_EDUCATION, example, read
    from training.pipeline import train_scorer

    spec = example("x-education.toml")
    result = train_scorer(read(X_EDUCATION, spec).frame, spec)
    _check(_sentences(result))


@pytest.mark.parametrize(
    ("edges", "i", "integral", "low", "words"),
    [
        ([], 0, True, 0.0, "0"),
        ([0.2], 0, False, 0.0, "under 0.2"),
        ([0.2], 1, False, 0.0, "0.2 or more"),
    ],
)
def test_number_ranges_are_real_ranges(
    edges: list[float], i: int, integral: bool, low: float, words: str
) -> None:
    assert bin_label(edges, i, integral, low) == words


def test_a_field_mostly_at_its_lowest_value_still_gets_two_ranges() -> None:
    import numpy as np

    from training.report import numeric_edges

    values = np.array([0.0] * 95 + [0.2, 0.4, 0.6, 0.8, 1.0])
    assert numeric_edges(values)["edges"] == [0.2]

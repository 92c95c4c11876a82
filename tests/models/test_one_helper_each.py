"""The helpers that are the one home of a rule: registry URIs, top reasons, percentages."""

from __future__ import annotations

import pytest

from features.derived import SENIORITY_WORDS, title_seniority
from models.evidence import percent
from models.explain import top_reason_order
from models.registry import alias_uri, is_registry_uri, registered_name, version_uri


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        (alias_uri("leadgrade", "champion"), "leadgrade"),
        (version_uri("leads-eu", 12), "leads-eu"),
        (version_uri("leads-eu", "3"), "leads-eu"),
    ],
)
def test_registry_uris_are_read_back_by_the_same_module(uri, name):
    assert is_registry_uri(uri)
    assert registered_name(uri) == name


def test_registry_uris_have_mlflows_shape():
    assert alias_uri("leadgrade", "champion") == "models:/leadgrade@champion"
    assert version_uri("leadgrade", 7) == "models:/leadgrade/7"
    assert not is_registry_uri("/tmp/model")


@pytest.mark.parametrize(
    ("points", "top", "order"),
    [
        ([1.0, -2.0, 3.0, -0.5, 0.0], 3, [2, 0, 1, 3]),
        ([1.0, -2.0, 3.0, -0.5, 0.0], 1, [2, 1]),
        ([0.0, 0.0], 3, []),
        ([2.0, 2.0, -1.0, -1.0], 1, [0, 2]),  # ties keep the order given
    ],
)
def test_top_reasons_are_the_largest_up_then_the_largest_down(points, top, order):
    assert top_reason_order(points, top) == order


@pytest.mark.parametrize(
    ("rate", "text"),
    [(None, "–"), (0.0, "0 %"), (0.004, "under 1 %"), (0.25, "25 %"), (1.0, "100 %")],
)
def test_percent_reads_like_a_person_writes_it(rate, text):
    assert percent(rate) == text


@pytest.mark.parametrize(
    ("title", "words"),
    [("VP Marketing", "vice-president"), ("Data Analyst", "individual-contributor")],
)
def test_a_titles_seniority_has_one_set_of_words(title, words):
    level = title_seniority(title)
    assert level is not None
    assert SENIORITY_WORDS[level] == words

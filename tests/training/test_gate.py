"""The gate's checks on evaluations: metric within the margin, ECE, A÷D lift."""

import numpy as np
import pytest

from training.evaluate import evaluate
from training.gate import gate_rows, gate_text, refusals
from training.settings import TrainSettings

RNG = np.random.default_rng(5)
TRUE_P = RNG.uniform(0.02, 0.98, 8000)
Y = (RNG.random(TRUE_P.size) < TRUE_P).astype(float)


def evaluation(shift: float = 0.0, grade_noise: float = 0.0):
    """Calibrated probabilities offset by ``shift``; grades ranked with ``grade_noise``."""
    p = np.clip(TRUE_P + shift, 0.001, 0.999)
    ranked = p + RNG.normal(0, grade_noise, Y.size)
    cuts = np.quantile(ranked, [0.6, 0.8, 0.9])
    grades = np.array(["D", "C", "B", "A"])[np.searchsorted(cuts, ranked)]
    return evaluate(Y, p, grades)


@pytest.fixture(scope="module")
def champion():
    return evaluation()


def test_an_equal_challenger_passes(champion):
    rows = gate_rows(champion, champion, TrainSettings())
    assert [r.check for r in rows] == ["roc_auc", "ece", "a_over_d"]
    assert refusals(rows) == []


def test_a_worse_calibrated_challenger_is_refused_on_ece(champion):
    rows = gate_rows(evaluation(shift=0.1), champion, TrainSettings())
    assert [r.check for r in rows if not r.passed] == ["ece"]
    assert "ece" in refusals(rows)[0]


def test_a_challenger_with_a_much_lower_a_over_d_is_refused(champion):
    flat = evaluation(grade_noise=0.6)
    assert flat.a_over_d < 0.8 * champion.a_over_d
    failed = [r.check for r in gate_rows(flat, champion, TrainSettings()) if not r.passed]
    assert "a_over_d" in failed


def test_the_limits_are_settings(champion):
    lenient = TrainSettings(promotion_max_ece_increase=0.5, promotion_min_ad_ratio=0.0)
    rows = gate_rows(evaluation(shift=0.1), champion, lenient)
    assert refusals(rows) == []


def test_the_table_names_both_versions_and_each_result(champion):
    text = gate_text(gate_rows(evaluation(shift=0.1), champion, TrainSettings()), "7", "6")
    header, *lines = text.splitlines()
    assert "challenger v7" in header
    assert "champion v6" in header
    assert [line.split()[0] for line in lines] == ["roc_auc", "ece", "a_over_d"]
    assert lines[1].endswith("FAIL")

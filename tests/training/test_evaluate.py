import math

import numpy as np
import pytest
from sklearn.metrics import log_loss

from features.errors import DataError
from training.evaluate import (
    GRADES,
    Evaluation,
    evaluate,
    expected_calibration_error,
)

# Ten leads, four wins (base rate 0.4), graded by hand:
#   A: 2 leads, 2 wins   B: 3 leads, 1 win   C: 1 lead, 0 wins   D: 4 leads, 1 win
HAND_Y = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0, 0])
HAND_P = np.array([0.9, 0.8, 0.6, 0.5, 0.5, 0.3, 0.2, 0.1, 0.1, 0.0])
HAND_GRADES = np.array(list("AABBBCDDDD"))


@pytest.fixture(scope="module")
def hand() -> Evaluation:
    return evaluate(HAND_Y, HAND_P, HAND_GRADES)


def _calibrated_sample(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.uniform(0.15, 0.85, n)
    return (rng.random(n) < q).astype(int), q


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_ece_is_near_zero_for_calibrated_probabilities(strategy):
    y, q = _calibrated_sample(200_000)
    assert expected_calibration_error(y, q, strategy=strategy) < 0.01


@pytest.mark.parametrize("shift", [-0.1, 0.05, 0.1])
@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_ece_equals_a_constant_shift_of_calibrated_probabilities(shift, strategy):
    y, q = _calibrated_sample(200_000, seed=1)
    ece = expected_calibration_error(y, q + shift, strategy=strategy)
    assert ece == pytest.approx(abs(shift), abs=0.01)


def test_ece_weights_bins_by_their_size():
    # Bin [0, .5): 4 leads, predicted .2, observed .25. Bin [.5, 1]: 2 leads, .8 vs 1.0.
    # Weighted: (4 * .05 + 2 * .2) / 6 = .1; an unweighted mean would give .125.
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.2, 0.2, 0.2, 0.2, 0.8, 0.8])
    assert expected_calibration_error(y, p, n_bins=2, strategy="uniform") == pytest.approx(0.1)


@pytest.mark.parametrize("n_bins", [1, 5, 10])
def test_ece_survives_tied_probabilities_that_collapse_quantile_edges(n_bins):
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    p = np.full(8, 0.3)
    assert expected_calibration_error(y, p, n_bins=n_bins) == pytest.approx(0.2)


def test_ece_rejects_unknown_strategy():
    with pytest.raises(ValueError, match="strategy must be 'quantile' or 'uniform'"):
        expected_calibration_error(HAND_Y, HAND_P, strategy="kmeans")  # type: ignore[arg-type]


ROW_FIELDS = ("leads", "share", "wins", "conversion", "capture", "lift")


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        ("A", (2, 0.2, 2.0, 1.0, 0.5, 2.5)),
        ("B", (3, 0.3, 1.0, 1 / 3, 0.25, (1 / 3) / 0.4)),
        ("C", (1, 0.1, 0.0, 0.0, 0.0, 0.0)),
        ("D", (4, 0.4, 1.0, 0.25, 0.25, 0.625)),
    ],
)
def test_grade_table_matches_hand_computation(hand, grade, expected):
    row = hand.grade(grade)
    assert tuple(getattr(row, field) for field in ROW_FIELDS) == pytest.approx(expected)


def test_summary_numbers_match_hand_computation(hand):
    assert (hand.rows, hand.positives, hand.base_rate) == (10, 4, 0.4)
    assert [row.grade for row in hand.grades] == list(GRADES)
    assert hand.a_over_d == pytest.approx(4.0)
    assert hand.share_of_wins_in_ab == pytest.approx(0.75)


def test_perfect_ranking_scores_full_auc():
    y = np.array([0, 0, 1, 1])
    result = evaluate(y, np.array([0.1, 0.2, 0.7, 0.9]), np.array(list("DCBA")))
    assert result.roc_auc == pytest.approx(1.0)
    assert result.pr_auc == pytest.approx(1.0)
    assert result.brier == pytest.approx((0.01 + 0.04 + 0.09 + 0.01) / 4)


def test_empty_grade_keeps_its_row_without_conversion_or_lift():
    result = evaluate(np.array([1, 0, 0]), np.array([0.8, 0.4, 0.1]), np.array(list("ABD")))
    row = result.grade("C")
    assert (row.leads, row.share, row.wins, row.capture) == (0, 0.0, 0.0, 0.0)
    assert row.conversion is None
    assert row.lift is None


@pytest.mark.parametrize(
    ("y", "grades"),
    [
        pytest.param([1, 0, 0], "ABC", id="no-D-leads"),
        pytest.param([1, 0, 0], "ABD", id="D-never-converts"),
        pytest.param([0, 1, 0], "BBD", id="no-A-leads"),
    ],
)
def test_a_over_d_is_none_when_undefined(y, grades):
    result = evaluate(np.array(y), np.array([0.8, 0.4, 0.1]), np.array(list(grades)))
    assert result.a_over_d is None
    assert "a_over_d" not in result.flat_metrics()


@pytest.mark.parametrize("label", [0, 1])
def test_single_class_holdout_has_no_auc_but_other_metrics(label):
    y = np.full(4, label)
    result = evaluate(y, np.array([0.1, 0.4, 0.6, 0.9]), np.array(list("ABCD")))
    assert result.roc_auc is None
    assert result.pr_auc is None
    assert math.isfinite(result.log_loss)
    assert result.brier == pytest.approx(np.mean((np.array([0.1, 0.4, 0.6, 0.9]) - label) ** 2))
    assert not {"roc_auc", "pr_auc"} & result.flat_metrics().keys()


def test_log_loss_stays_finite_for_confident_wrong_probabilities():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.0, 1.0, 1.0, 0.0])
    result = evaluate(y, p, np.array(list("DAAD")))
    assert math.isfinite(result.log_loss)
    assert result.log_loss == pytest.approx(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)))


def test_flat_metrics_has_one_float_per_metric_and_grade(hand):
    per_grade = {f"{kind}_{g}" for kind in ("conversion", "share", "lift") for g in GRADES}
    headline = {"roc_auc", "pr_auc", "brier", "log_loss", "ece", "a_over_d", "wins_in_ab"}
    flat = hand.flat_metrics()
    assert flat.keys() == headline | per_grade
    assert all(isinstance(v, float) for v in flat.values())
    assert hand.flat_metrics("baseline_")["baseline_conversion_A"] == flat["conversion_A"]


def test_flat_metrics_leaves_out_empty_grades():
    result = evaluate(np.array([1, 0, 0]), np.array([0.8, 0.4, 0.1]), np.array(list("ABD")))
    flat = result.flat_metrics()
    assert "conversion_C" not in flat
    assert "lift_C" not in flat
    assert flat["share_C"] == 0.0


def test_a_over_d_is_logged_as_the_ratio_of_a_to_d_conversion(hand):
    a, d = hand.grade("A").conversion, hand.grade("D").conversion
    assert a is not None
    assert d is not None
    assert hand.flat_metrics()["a_over_d"] == pytest.approx(a / d)


def test_evaluation_round_trips_through_json_with_headline_numbers(hand):
    dumped = hand.model_dump(mode="json")
    assert dumped["a_over_d"] == pytest.approx(4.0)
    assert dumped["share_of_wins_in_ab"] == pytest.approx(0.75)
    assert Evaluation.model_validate_json(hand.model_dump_json()) == hand


def test_grade_lookup_rejects_unknown_letter(hand):
    with pytest.raises(KeyError, match="no grade 'E'"):
        hand.grade("E")


@pytest.mark.parametrize(
    ("y", "p", "grades", "match"),
    [
        pytest.param(
            [1, 0],
            [0.5],
            "AB",
            r"y, p, grades must have the same length, got y=2, p=1, grades=2",
            id="length",
        ),
        pytest.param(
            [1, 0],
            [0.5, 1.2],
            "AB",
            r"p must contain probabilities in \[0, 1\], got 1 outside, e\.g\. \[1\.2\]",
            id="above-one",
        ),
        pytest.param([1, 0], [-0.1, 0.5], "AB", r"in \[0, 1\], got 1 outside", id="negative"),
        pytest.param([1, 0], [np.nan, 0.5], "AB", r"got 1 outside, e\.g\. \[nan\]", id="nan"),
        pytest.param(
            [1, 2], [0.5, 0.5], "AB", r"y must contain only 0/1 labels, got \[2\]", id="label-two"
        ),
        pytest.param(
            ["1", "0"],
            [0.5, 0.5],
            "AB",
            r"y must contain only 0/1 labels, got dtype",
            id="string-labels",
        ),
        pytest.param(
            [1, 0],
            [0.5, 0.5],
            "AE",
            r"grades must be one of A, B, C, D, got unknown \['E'\]",
            id="unknown-grade",
        ),
        pytest.param([1, 0], [0.5, 0.5], "Ab", r"got unknown \['b'\]", id="lowercase-grade"),
        pytest.param([], [], "", r"y is empty", id="empty"),
        pytest.param(
            [[1, 0]],
            [[0.5, 0.5]],
            ["AB"],
            r"y must be 1-dimensional, got shape \(1, 2\)",
            id="two-dimensional",
        ),
    ],
)
def test_evaluate_rejects_invalid_input_with_precise_message(y, p, grades, match):
    with pytest.raises(ValueError, match=match) as caught:
        evaluate(np.array(y), np.array(p), np.array(list(grades)))
    assert isinstance(caught.value, DataError)

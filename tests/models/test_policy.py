import numpy as np
import pytest

from models.policy import GradePolicy, RoutingPolicy


def test_capacity_cut_offs_give_the_configured_shares():
    p = np.linspace(0, 1, 10_000)
    policy = GradePolicy.from_capacity(p, {"A": 0.1, "B": 0.2, "C": 0.3})
    grades = policy.assign(p)
    shares = {g: float(np.mean(grades == g)) for g in "ABCD"}
    assert shares == pytest.approx({"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4}, abs=0.001)


@pytest.mark.parametrize(
    ("p", "grade"), [(0.9, "A"), (0.5, "A"), (0.49, "B"), (0.3, "B"), (0.1, "C"), (0.05, "D")]
)
def test_thresholds_are_lower_bounds(p, grade):
    policy = GradePolicy({"A": 0.5, "B": 0.3, "C": 0.1})
    assert policy.assign(np.array([p]))[0] == grade


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="A >= B >= C"):
        GradePolicy({"A": 0.1, "B": 0.3, "C": 0.05})


@pytest.mark.parametrize(
    ("grade", "target", "queue", "hours", "track"),
    [
        ("A", False, "sales", 24, None),
        ("B", False, "sales", 168, None),
        ("C", False, "nurture", None, "general"),
        ("D", False, "nurture", None, "general"),
        ("D", True, "sales", 168, "target_account"),
    ],
)
def test_routes_follow_the_grade_and_target_accounts(grade, target, queue, hours, track):
    route = RoutingPolicy({"A": 24, "B": 168}).route(grade, target_account=target)
    assert route == {
        "queue": queue,
        "follow_up_within_hours": hours,
        "track": track,
        "re_engage_on": None,
    }

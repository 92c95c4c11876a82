import numpy as np
import pandas as pd
import pytest

from features.spec import demo_spec
from training.labels import make_labels


def frame(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": [str(i) for i in range(len(rows))],
            "status": [s for s, _ in rows],
            "loss_reason": [r for _, r in rows],
        }
    )


def test_won_is_one_lost_is_zero_and_open_is_not_a_label():
    labels = make_labels(frame([("won", None), ("lost", None), ("open", None)]), demo_spec())
    assert labels.y.tolist() == [1, 0]
    assert labels.excluded["open"] == 1
    assert labels.frame["lead_id"].tolist() == ["0", "1"]


@pytest.mark.parametrize(
    ("reason", "weight"),
    [
        ("Not the right moment", 0.3),
        ("Wrong target", 1.5),
        ("No decision power", 1.5),
        ("No real need", 1.0),
        ("something else entirely", 1.0),
        (None, 1.0),
    ],
)
def test_loss_reason_sets_the_weight(reason, weight):
    labels = make_labels(frame([("lost", reason)]), demo_spec())
    assert labels.weight.tolist() == [weight]


def test_invalid_or_duplicate_leads_are_left_out():
    data = frame([("disqualified", "Duplicate / invalid"), ("won", None), ("lost", "No budget")])
    labels = make_labels(data, demo_spec())
    assert labels.y.tolist() == [1, 0]
    assert labels.excluded["invalid_or_zero_weight"] == 1


def test_spec_weights_override_the_defaults():
    spec = demo_spec().model_copy(deep=True)
    spec = type(spec).model_validate(
        {
            **spec.model_dump(),
            "feedback": {**spec.feedback.model_dump(), "weights": {"bad_timing": 0.0}},
        }
    )
    labels = make_labels(frame([("lost", "Not the right moment"), ("won", None)]), spec)
    np.testing.assert_array_equal(labels.y, [1])

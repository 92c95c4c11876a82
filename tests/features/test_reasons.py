import pytest

from features.reasons import CanonicalReason as R
from features.reasons import canonical_reason

PICKLIST = {"Not the right moment": R.BAD_TIMING, "No decision power": R.NOT_DECISION_MAKER}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Not the right moment", R.BAD_TIMING),
        ("  no DECISION power ", R.NOT_DECISION_MAKER),
        ("bad_timing", R.BAD_TIMING),
        ("Lost to a competitor", R.COMPETITOR),
        ("Duplicate", R.INVALID),
        ("the dog ate the contract", R.OTHER),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_reasons_map_to_canonical_ones(raw, expected):
    assert canonical_reason(raw, PICKLIST) == expected

"""Numbers in a lead request: a missing number is missing, never a server error."""

import pytest
from pydantic import ValidationError

from features.request import build_request_model
from features.spec import demo_spec


@pytest.mark.parametrize("employees", [None, 0, 250, 250.5])
def test_a_number_may_be_missing_or_within_range(employees):
    lead = build_request_model(demo_spec()).model_validate(
        {"lead_id": "L1", "employees": employees}
    )
    assert lead.model_dump()["employees"] == employees


def test_an_absent_number_is_missing():
    assert (
        build_request_model(demo_spec()).model_validate({"lead_id": "L1"}).model_dump()["employees"]
        is None
    )


@pytest.mark.parametrize("employees", [-1, float("nan"), True])
def test_a_number_out_of_range_not_finite_or_boolean_is_refused(employees):
    with pytest.raises(ValidationError, match="employees"):
        build_request_model(demo_spec()).model_validate({"lead_id": "L1", "employees": employees})

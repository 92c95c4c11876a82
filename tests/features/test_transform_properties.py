"""Property tests of the transform: any lead gives one finite-width row or a DataError naming
its field; a lead's row does not depend on the other leads, nor on frame versus records."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.errors import DataError
from features.spec import demo_spec
from features.transform import LeadTransformer
from training.demo_data import generate_leads

SPEC = demo_spec()
TEXT = st.text(max_size=40)
ANY_VALUE = st.none() | TEXT | st.booleans() | st.integers() | st.floats()
# Values of the kind each field holds (what the API's request schema lets through).
TYPED = {
    "numeric": st.none() | st.floats(min_value=-1e9, max_value=1e9),
    "boolean": st.none() | st.booleans(),
}


@pytest.fixture(scope="module")
def fitted() -> LeadTransformer:
    return LeadTransformer(SPEC, min_frequency=5).fit(generate_leads(800, seed=11))


def _leads(values: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    fields = st.sampled_from(SPEC.feature_fields)
    return st.lists(st.dictionaries(fields, values, max_size=len(SPEC.feature_fields)), max_size=8)


def _typed_lead() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {name: TYPED.get(kind, st.none() | TEXT) for name, kind in SPEC.feature_kinds.items()}
    )


@settings(max_examples=200, deadline=None)
@given(leads=_leads(ANY_VALUE))
def test_any_lead_is_one_row_or_a_data_error_naming_its_field(fitted, leads):
    matrix = _rows_or_error(fitted, leads)

    if isinstance(matrix, DataError):
        assert any(f"field '{name}'" in str(matrix) for name in SPEC.feature_fields), str(matrix)
    else:
        assert matrix.shape == (len(leads), len(fitted.feature_names_out_))
        assert not np.isinf(matrix).any()


def _rows_or_error(fitted: LeadTransformer, leads: list[dict[str, Any]]) -> Any:
    """The matrix, or the DataError (any other exception fails the test)."""
    try:
        return fitted.transform_records(leads)
    except DataError as exc:
        return exc


@settings(max_examples=100, deadline=None)
@given(leads=st.lists(_typed_lead(), min_size=1, max_size=8))
def test_a_leads_row_does_not_depend_on_the_other_leads(fitted, leads):
    together = fitted.transform_records(leads)

    alone = np.vstack([fitted.transform_records([lead]) for lead in leads])

    np.testing.assert_array_equal(together, alone)


@settings(max_examples=100, deadline=None)
@given(leads=st.lists(_typed_lead(), min_size=1, max_size=8))
def test_a_frame_and_its_records_give_the_same_rows(fitted, leads):
    frame = pd.DataFrame(leads, columns=SPEC.feature_fields)

    np.testing.assert_array_equal(fitted.transform(frame), fitted.transform_records(leads))

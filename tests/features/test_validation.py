import pandas as pd
import pytest

from features.errors import SpecError
from features.spec import demo_spec
from features.validation import validate_leads
from training.demo_data import generate_leads


@pytest.fixture
def leads() -> pd.DataFrame:
    return generate_leads(50, seed=1).astype(object)


def test_clean_export_passes_untouched(leads):
    result = validate_leads(leads, demo_spec())
    assert len(result.frame) == 50
    assert result.report.rows_rejected == 0
    assert result.report.lines() == []


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("lead_id", "", "no lead id"),
        ("created_at", "last tuesday", "unreadable or missing creation time"),
    ],
)
def test_unusable_rows_are_rejected_and_counted(leads, column, value, reason):
    leads.loc[[3, 7], column] = value
    result = validate_leads(leads, demo_spec())
    assert len(result.frame) == 48
    assert result.report.rejected[reason] == 2
    assert any(reason in line for line in result.report.lines())


def test_duplicate_ids_keep_the_first_and_count_the_rest(leads):
    leads.loc[5, "lead_id"] = leads.loc[4, "lead_id"]
    result = validate_leads(leads, demo_spec())
    assert result.report.rejected["duplicate lead id"] == 1
    assert len(result.frame) == 49


def test_unreadable_values_become_missing_and_are_reported_with_examples(leads):
    leads.loc[[1, 2], "employees"] = "about 50"
    leads.loc[9, "demo_requested"] = "perhaps"
    result = validate_leads(leads, demo_spec())
    assert len(result.frame) == 50
    assert result.report.bad_values == {"employees": 2, "demo_requested": 1}
    assert pd.isna(result.frame.loc[1, "employees"])
    assert "'about 50'" in result.report.examples["employees"][0]


def test_missing_column_is_a_spec_error(leads):
    with pytest.raises(SpecError, match="campaign"):
        validate_leads(leads.drop(columns="campaign"), demo_spec())

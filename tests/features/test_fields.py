"""Per-field missing markers, yes/no fields with an "unknown", and field labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import SpecError
from features.fields import default_label
from features.request import build_request_model
from features.spec import LeadSpec
from features.transform import LeadTransformer
from features.validation import validate_leads

BANK = """
[lead]
created_at = "day"

[outcome]
column = "y"
won = ["yes"]
lost = ["no"]

[features]
categorical = ["job"]
numeric = ["pdays", "age"]
boolean = ["housing", "default"]
missing = ["", "n/a"]
"""
OPTIONS = """
[features.missing_by_field]
pdays = ["999"]

[features.boolean_values.housing]
true = ["yes"]
false = ["no"]

[features.labels]
pdays = "Days since the last campaign"
"""


def _bank() -> LeadSpec:
    return LeadSpec.parse(BANK + OPTIONS)


def _rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": ["2024-01-01"] * 4,
            "y": ["yes", "no", "no", "yes"],
            "job": ["admin.", "999", "n/a", "services"],
            "pdays": ["3", "999", "n/a", "0"],
            "age": ["999", "40", "n/a", "31"],
            "housing": ["yes", "unknown", "NO", ""],
            "default": ["no", "yes", "n/a", "no"],
        }
    )


def test_a_field_marker_means_missing_in_that_field_only() -> None:
    frame = validate_leads(_rows(), _bank()).frame
    assert frame["pdays"].iloc[0] == 3.0
    assert pd.isna(frame["pdays"].iloc[1])
    assert frame["age"].tolist()[0] == 999.0  # 999 is a real age
    assert frame["job"].tolist()[1] == "999"


def test_a_global_marker_means_missing_everywhere() -> None:
    frame = validate_leads(_rows(), _bank()).frame
    assert frame.loc[2, ["job", "pdays", "age", "default"]].isna().all()


def test_a_numeric_marker_also_matches_numbers_sent_as_numbers() -> None:
    transformer = LeadTransformer(_bank()).fit(validate_leads(_rows(), _bank()).frame)
    X = transformer.transform_records([{"pdays": 999}, {"pdays": 999.0}, {"pdays": 5}])
    column = transformer.feature_names_out_.index("pdays")
    assert np.isnan(X[0, column])
    assert np.isnan(X[1, column])
    assert X[2, column] == 5.0


def test_a_yes_no_field_keeps_unknown_as_missing_not_as_an_error() -> None:
    validated = validate_leads(_rows(), _bank())
    assert [None if pd.isna(v) else v for v in validated.frame["housing"]] == [
        True, None, False, None
    ]  # fmt: skip
    assert "housing" not in validated.report.bad_values


def test_without_its_own_answers_an_unreadable_yes_no_value_is_reported() -> None:
    rows = _rows().assign(default=["no", "unknown", "yes", "no"])
    report = validate_leads(rows, _bank()).report
    assert report.bad_values == {"default": 1}


def test_the_api_accepts_the_spec_own_answers_for_a_yes_no_field() -> None:
    model = build_request_model(_bank())
    assert model.model_validate({"lead_id": "1", "housing": "unknown"}).housing == "unknown"
    assert model.model_validate({"lead_id": "1", "housing": True}).housing is True
    transformer = LeadTransformer(_bank()).fit(validate_leads(_rows(), _bank()).frame)
    X = transformer.transform_records([{"housing": "unknown"}, {"housing": True}])
    column = transformer.feature_names_out_.index("housing")
    assert np.isnan(X[0, column])
    assert X[1, column] == 1.0


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ('[features.missing_by_field]\nnope = ["x"]', "missing_by_field names fields that are not"),
        ('[features.labels]\nnope = "Nope"', "labels names fields that are not features"),
        (
            '[features.boolean_values.job]\ntrue = ["y"]\nfalse = ["n"]',
            "boolean_values names fields that are not boolean features",
        ),
        (
            '[features.boolean_values.default]\ntrue = ["Y"]\nfalse = ["y"]',
            "listed as both true and false",
        ),
    ],
)
def test_field_options_must_name_the_right_fields(key: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        LeadSpec.parse(BANK + "\n" + key + "\n")


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("job_title", "Job title"),
        ("ExitRates", "Exit rates"),
        ("ProductRelated_Duration", "Product-related duration"),
        ("nr.employed", "Nr. employed"),
        ("emp.var.rate", "Emp. var. rate"),
        ("TotalVisits", "Total visits"),
        ("Lead Source", "Lead source"),
        ("A/B test", "A/B test"),
        ("VIP", "VIP"),
    ],
)
def test_default_labels_read_as_people_write_them(name: str, label: str) -> None:
    assert default_label(name) == label


def test_the_spec_label_wins_over_the_default() -> None:
    spec = _bank()
    assert spec.label_for("pdays") == "Days since the last campaign"
    assert spec.label_for("age") == "Age"

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from features.errors import DataError
from features.spec import demo_spec
from features.transform import LeadTransformer
from training.demo_data import generate_leads


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(800, seed=11)


@pytest.fixture(scope="module")
def fitted(leads) -> LeadTransformer:
    return LeadTransformer(demo_spec(), min_frequency=5).fit(leads)


def column(t: LeadTransformer, name: str) -> int:
    return t.feature_names_out_.index(name)


def test_frame_and_records_give_identical_matrices(fitted, leads):
    records = leads.to_dict(orient="records")
    np.testing.assert_array_equal(fitted.transform(leads), fitted.transform_records(records))


def test_every_model_column_names_its_input_field(fitted):
    assert len(fitted.sources_) == len(fitted.feature_names_out_)
    assert set(fitted.sources_) <= set(demo_spec().feature_fields)
    assert fitted.sources_[column(fitted, "job_title__function")] == "job_title"


@pytest.mark.parametrize(
    ("field", "value", "derived", "expected"),
    [
        ("email", "ann@gmail.com", "email__free_mail", 1.0),
        ("email", "ann@acme-industries.com", "email__free_mail", 0.0),
        ("email", "acme-industries.com", "email__free_mail", 0.0),
        ("job_title", "VP Marketing", "job_title__seniority", 4.0),
        ("job_title", "Marketing Intern", "job_title__seniority", 0.0),
        ("company", "Hooli", "company__target_account", 0.0),
        ("email", "bob@hooli.com", "company__target_account", 1.0),
    ],
)
def test_derived_features(fitted, field, value, derived, expected):
    row = fitted.transform_records([{field: value}])[0]
    assert row[column(fitted, derived)] == expected


def test_absent_and_placeholder_values_are_missing(fitted):
    row = fitted.transform_records([{"industry": "", "employees": None}])[0]
    assert math.isnan(row[column(fitted, "industry")])
    assert math.isnan(row[column(fitted, "employees")])


def test_unseen_category_shares_the_other_code_with_rare_ones(fitted):
    other = len(fitted.categories_["industry"])
    row = fitted.transform_records([{"industry": "Basket weaving"}])[0]
    assert row[column(fitted, "industry")] == other


def test_categorical_columns_are_reported_for_lightgbm(fitted):
    names = [fitted.feature_names_out_[i] for i in fitted.categorical_indices_]
    assert names == ["industry", "country", "lead_source", "campaign", "job_title__function"]


def test_unreadable_number_is_a_data_error_naming_the_field(fitted):
    with pytest.raises(DataError, match="field 'employees': 'lots' is not a number"):
        fitted.transform_records([{"employees": "lots"}])


def test_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        LeadTransformer(demo_spec()).transform_records([{}])


def test_follows_scikit_learn_parameter_conventions(fitted):
    copy = clone(fitted)
    assert copy.get_params()["min_frequency"] == 5
    assert not hasattr(copy, "feature_names_out_")
    assert list(fitted.get_feature_names_out()) == fitted.feature_names_out_


def test_missing_feature_column_is_named(leads):
    with pytest.raises(DataError, match="missing feature column\\(s\\): industry"):
        LeadTransformer(demo_spec()).fit(leads.drop(columns="industry"))


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("President", 5),
        ("Founder & CEO", 5),
        ("Vice President of Sales", 4),
        ("Vice-President, Marketing", 4),
        ("Head of Growth", 4),
        ("Director of IT", 3),
        ("Account Executive", 1),
        ("Marketing Intern", 0),
    ],
)
def test_title_seniority(title, level):
    from features.derived import title_seniority

    assert title_seniority(title) == level

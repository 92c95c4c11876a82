"""The logistic model as data: the same scores as scikit-learn's fitted baseline, exact
contributions, and a JSON state that reads back to the same model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from features.transform import LeadTransformer
from features.validation import validate_leads
from models.linear import LinearModel
from tests.linear_world import linear_leads, linear_spec
from training.fit import fit_baseline, linear_model
from training.labels import make_labels


@pytest.fixture(scope="module")
def fitted() -> tuple[object, LinearModel, np.ndarray]:
    spec = linear_spec()
    labels = make_labels(validate_leads(linear_leads(1500), spec).frame, spec)
    transformer = LeadTransformer(spec).fit(labels.frame)
    X = transformer.transform(labels.frame)
    X[::7, 4] = np.nan  # some missing seats: the imputer's indicator column comes into play
    baseline = fit_baseline(
        X, labels.y, labels.weight, categorical=transformer.categorical_indices_
    )
    return baseline, linear_model(baseline, X), X


def _odd_leads(X: np.ndarray) -> np.ndarray:
    """Leads the model never saw: unknown category codes, missing values, extreme numbers."""
    odd = X[:40].copy()
    odd[:10, 0] = 999.0
    odd[10:20] = np.nan
    odd[20:30, 4] = 1e6
    return odd


def test_raw_scores_equal_the_fitted_baselines(fitted) -> None:
    baseline, model, X = fitted
    for leads in (X, _odd_leads(X)):
        np.testing.assert_allclose(
            model.predict(leads, raw_score=True), baseline.decision_function(leads), atol=1e-9
        )
    np.testing.assert_allclose(model.predict(X), baseline.predict_proba(X)[:, 1], atol=1e-9)


def test_contributions_and_base_add_up_to_the_raw_score(fitted) -> None:
    _, model, X = fitted
    leads = np.vstack([X, _odd_leads(X)])
    contrib = model.predict(leads, pred_contrib=True)
    assert contrib.shape == (len(leads), X.shape[1] + 1)
    np.testing.assert_allclose(contrib.sum(axis=1), model.predict(leads, raw_score=True))
    # The base is the average raw score of the leads it was fitted on, as TreeSHAP's is.
    assert contrib[0, -1] == pytest.approx(model.predict(X, raw_score=True).mean())
    np.testing.assert_allclose(contrib[: len(X), :-1].mean(axis=0), 0.0, atol=1e-9)


def test_changing_one_field_moves_only_its_contribution(fitted) -> None:
    _, model, X = fitted
    a, b = X[:1].copy(), X[:1].copy()
    b[0, 5] += 3.0  # three more visits
    delta = model.predict(b, pred_contrib=True) - model.predict(a, pred_contrib=True)
    assert np.flatnonzero(np.abs(delta) > 1e-12).tolist() == [5]


def test_the_json_state_reads_back_to_the_same_model(fitted) -> None:
    _, model, X = fitted
    state = json.loads(json.dumps(model.get_state()))
    again = LinearModel.from_state(state)
    np.testing.assert_array_equal(
        again.predict(X, pred_contrib=True), model.predict(X, pred_contrib=True)
    )


def test_a_matrix_of_the_wrong_width_is_refused(fitted) -> None:
    _, model, X = fitted
    with pytest.raises(ValueError, match="expected 6 model columns"):
        model.predict(X[:, :3], raw_score=True)


@pytest.mark.parametrize("kept", ["categories only", "numbers only"])
def test_a_model_without_numbers_or_without_categories_converts_too(fitted, kept) -> None:
    """Olist's spec has categories only: scikit-learn never fits an empty block."""
    _, _, X = fitted
    y = (np.arange(len(X)) % 3 == 0).astype(int)
    categorical = kept == "categories only"
    columns = [j for j in range(X.shape[1]) if (j < 4) == categorical]  # 4 categories first
    part = X[:, columns]
    cats = list(range(part.shape[1])) if categorical else []
    baseline = fit_baseline(part, y, np.ones(len(y)), categorical=cats)
    model = linear_model(baseline, part)
    np.testing.assert_allclose(
        model.predict(part, raw_score=True), baseline.decision_function(part), atol=1e-9
    )

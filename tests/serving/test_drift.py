"""The drift report on a tiny real model: leads like the training ones, shifted leads, too few."""

from __future__ import annotations

import pandas as pd
import pytest

from features.spec import demo_spec
from models.drift import compare, psi, reference_distributions
from training.demo_data import generate_leads


def _leads(n: int, seed: int) -> list[dict]:
    spec = demo_spec()
    frame = generate_leads(n, seed=seed)[[spec.lead.id, *spec.feature_fields]]
    return [{k: v for k, v in row.items() if pd.notna(v)} for row in frame.to_dict("records")]


def _shifted(lead: dict) -> dict:
    """Another market: far bigger companies, far busier visitors, industries never seen."""
    spec = demo_spec()
    changed = {f: v * 40 + 1000 for f, v in lead.items() if f in spec.features.numeric}
    changed |= {f: f"new-{f}" for f in spec.features.categorical}
    return lead | changed


@pytest.fixture
def drift_api(make_client):
    return make_client(drift_leads=400, drift_min_leads=300)


def test_psi_is_zero_for_the_same_shares_and_grows_with_the_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert 0 < psi([0.5, 0.5], [0.6, 0.4]) < psi([0.5, 0.5], [0.9, 0.1])


def test_reference_bins_put_the_training_sample_back_in_its_own_shares():
    frame = pd.DataFrame({"n": range(1000), "c": ["a", "b", None, "d"] * 250})
    reference = reference_distributions(range(1000), frame, {"n": 2.0, "c": 1.0})
    assert set(reference) == {"score", "n", "c"}
    same = compare(reference, list(range(1000)), frame.to_dict("records"))
    assert max(same.values()) < 0.01


def test_too_few_recent_leads_are_not_judged(drift_api):
    report = drift_api.get("/v1/reports/drift").json()
    assert report["status"] == "too_few"
    assert report["compared"] == []


def test_leads_like_the_training_ones_raise_no_alarm(drift_api):
    assert drift_api.post("/v1/leads/score/batch", json=_leads(400, seed=21)).status_code == 200

    report = drift_api.get("/v1/reports/drift").json()

    assert report["leads"] == 400
    assert "score" in {c["name"] for c in report["compared"]}
    assert len(report["compared"]) >= 2
    assert report["status"] != "alarm"
    assert report["remedy"] is None


def test_a_shifted_sample_raises_the_alarm_and_the_gauge(drift_api):
    shifted = [_shifted(lead) for lead in _leads(400, seed=22)]
    assert drift_api.post("/v1/leads/score/batch", json=shifted).status_code == 200

    report = drift_api.get("/v1/reports/drift").json()

    assert report["status"] == "alarm"
    alarms = {c["name"] for c in report["compared"] if c["level"] == "alarm"}
    assert alarms - {"score"}, report
    assert "retrain" in report["remedy"]
    metrics = drift_api.get("/metrics").text
    for name in alarms:
        assert f'leadgrade_drift_psi{{compared="{name}"}}' in metrics

"""The drift report on a tiny real model: leads like the training ones, shifted leads, too few."""

from __future__ import annotations

import pandas as pd
import pytest

from features.spec import demo_spec
from models.drift import compare, psi, reference_distributions
from models.holding import grades_hold, wilson
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


def test_a_numeric_field_missing_on_every_lead_has_only_the_missing_bin():
    frame = pd.DataFrame({"n": [float("nan")] * 10})

    reference = reference_distributions(range(10), frame, {"n": 1.0})

    assert reference["n"] == {"kind": "numeric", "edges": [], "shares": [0.0, 1.0]}


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


CARD = [
    {"grade": "A", "conversion": 0.6},
    {"grade": "B", "conversion": 0.4},
    {"grade": "C", "conversion": 0.2},
    {"grade": "D", "conversion": 0.05},
]


def _closed(grade: str, wins: int, losses: int, p: float) -> list[tuple[str, float, bool]]:
    return [(grade, p, True)] * wins + [(grade, p, False)] * losses


def test_wilson_interval_holds_the_rate_and_narrows_with_more_leads():
    low, high = wilson(6, 10)
    assert low < 0.6 < high
    wide, narrow = high - low, wilson(600, 1000)[1] - wilson(600, 1000)[0]
    assert narrow < wide
    assert wilson(0, 0) == (0.0, 1.0)


def test_grades_that_still_convert_as_the_card_says_hold():
    closed = _closed("A", 24, 16, 0.6) + _closed("D", 2, 38, 0.05)
    assert grades_hold(closed, CARD, min_per_grade=30)["status"] == "ok"


def test_a_leads_converting_clearly_below_the_card_raise_the_alarm():
    closed = _closed("A", 6, 34, 0.6) + _closed("D", 2, 38, 0.05)
    report = grades_hold(closed, CARD, min_per_grade=30)
    assert report["status"] == "alarm"
    a = report["grades"][0]
    assert a["interval"][1] < a["card_conversion"]


def test_too_few_closed_leads_are_said_so():
    closed = _closed("A", 5, 5, 0.6) + _closed("D", 1, 9, 0.05)
    assert grades_hold(closed, CARD, min_per_grade=30)["status"] == "too_few"


def test_the_report_turns_to_alarm_when_a_leads_lose_and_d_leads_win(make_client):
    api = make_client(drift_min_leads=10, holding_min_per_grade=5)
    scored = api.post("/v1/leads/score/batch", json=_leads(300, seed=23)).json()["scores"]
    assert api.get("/v1/reports/drift").json()["grades_hold"]["status"] == "too_few"
    for result in scored:
        if result["grade"] in {"A", "D"}:
            outcome = "lost" if result["grade"] == "A" else "won"
            url = f"/v1/leads/{result['lead_id']}/outcome"
            assert api.post(url, json={"outcome": outcome}).status_code == 201

    report = api.get("/v1/reports/drift").json()

    assert report["grades_hold"]["status"] == "alarm"
    assert report["remedy"] is not None
    assert "leadgrade_grades_hold 0.0" in api.get("/metrics").text

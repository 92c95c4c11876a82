import itertools

import numpy as np
import pandas as pd
import pytest

from models.saved import load_scorer, save_scorer
from models.scorer import LeadScorer
from tests.helpers import tiny_training
from training.demo_data import generate_leads


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


@pytest.fixture(scope="module")
def fresh_leads() -> pd.DataFrame:
    return generate_leads(300, seed=99)


def test_grades_follow_the_probability_order(scorer, fresh_leads):
    results = scorer.score_records(fresh_leads.to_dict(orient="records"))
    by_grade = {g: [r["probability"] for r in results if r["grade"] == g] for g in "ABCD"}
    present = [g for g in "ABCD" if by_grade[g]]
    for better, worse in itertools.pairwise(present):
        assert min(by_grade[better]) >= max(by_grade[worse])


def test_score_is_the_calibrated_probability_in_points(scorer, fresh_leads):
    for r in scorer.score_records(fresh_leads.head(20).to_dict(orient="records")):
        assert r["score"] == pytest.approx(100 * r["probability"], abs=0.06)
        assert 0 <= r["score"] <= 100


def test_frame_and_records_paths_agree(scorer, fresh_leads):
    frame = scorer.score_frame(fresh_leads.head(50))
    records = scorer.score_records(fresh_leads.head(50).to_dict(orient="records"))
    assert frame["grade"].tolist() == [r["grade"] for r in records]
    np.testing.assert_allclose(frame["probability"], [r["probability"] for r in records])
    assert list(frame.columns) == [
        "lead_id",
        "score",
        "probability",
        "grade",
        "queue",
        "follow_up_within_hours",
        "track",
        "re_engage_on",
    ]


def test_routes_send_a_and_b_to_sales_and_the_rest_to_nurture(scorer, fresh_leads):
    for r in scorer.score_records(fresh_leads.to_dict(orient="records")):
        if r["grade"] in "AB":
            assert r["route"]["queue"] == "sales"
            assert r["route"]["follow_up_within_hours"] == {"A": 24, "B": 168}[r["grade"]]


def test_a_lead_with_only_an_id_still_gets_a_grade(scorer):
    (result,) = scorer.score_records([{"lead_id": "bare"}])
    assert result["grade"] in "ABCD"


def test_save_and_load_round_trip(scorer, fresh_leads, tmp_path):
    loaded = load_scorer(save_scorer(scorer, tmp_path / "scorer"))
    records = fresh_leads.head(10).to_dict(orient="records")
    assert loaded.score_records(records) == scorer.score_records(records)


def test_card_describes_the_training(scorer):
    card = scorer.card
    assert card.data.won + card.data.lost == card.data.labeled
    assert card.split["method"] == "time-ordered"
    assert set(card.grade_thresholds) == {"A", "B", "C"}
    assert card.metrics["model"]["roc_auc"] > 0.7

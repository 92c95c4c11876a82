import itertools
import math

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


def _messy(leads: pd.DataFrame) -> pd.DataFrame:
    """Leads as exports have them: padded, upper-case, blank and missing values."""
    out = leads.astype(object)
    out.loc[::7, "email"] = "  Ann.Lee@GMAIL.com "
    out.loc[::11, "email"] = None
    out.loc[::13, "email"] = "   "
    out.loc[::17, "job_title"] = "  VP marketing "
    out.loc[::19, "employees"] = "1,200"
    out.loc[::23, "industry"] = ""
    out.loc[::29, "company"] = " Hooli Inc "
    return out


@pytest.mark.parametrize("as_text", [False, True])
def test_a_frame_scores_each_lead_as_it_scores_alone(scorer, tmp_path, as_text):
    """The column-wise batch path (distinct values, no Python per lead) gives each lead
    what the single-lead API path gives it."""
    frame = _messy(generate_leads(3000, seed=5))
    if as_text:  # as ``leadgrade score`` reads a CSV: every value text
        frame.to_csv(tmp_path / "leads.csv", index=False)
        frame = pd.read_csv(tmp_path / "leads.csv", dtype=object)
    batch = scorer.score_frame(frame)
    alone = [scorer.score_records([r])[0] for r in frame.to_dict(orient="records")]
    flat = [{**{k: v for k, v in r.items() if k != "route"}, **r["route"]} for r in alone]
    for column in ("lead_id", "score", "probability", "grade", "queue", "track"):
        assert batch[column].tolist() == [r[column] for r in flat], column
    hours = [None if math.isnan(h) else h for h in batch["follow_up_within_hours"].tolist()]
    assert hours == [r["follow_up_within_hours"] for r in flat]
    assert batch["re_engage_on"].notna().tolist() == [r["re_engage_on"] is not None for r in flat]
    assert set(batch["queue"]) == {"sales", "nurture"}
    assert len(set(batch["track"].dropna())) >= 3

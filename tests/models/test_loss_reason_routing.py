"""Nurture tracks: C and D leads follow their most likely loss reason; A, B and targets do not."""

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from features.errors import SpecError
from features.spec import LeadSpec, demo_spec_text
from models.loss_reasons import LossReasonModel
from models.policy import RoutingPolicy
from models.saved import load_scorer, save_scorer
from models.scorer import LeadScorer
from store.models import Route as StoredRoute
from tests.helpers import tiny_training
from training.demo_data import generate_leads

DAY = date(2026, 3, 2)
HOURS = {"A": 24, "B": 168}


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


@pytest.fixture(scope="module")
def leads() -> list[dict]:
    return generate_leads(400, seed=99).to_dict(orient="records")


@dataclasses.dataclass(frozen=True)
class CountingModel(LossReasonModel):
    """The real loss-reason model, remembering how many leads each call asked about."""

    calls: list[int] = dataclasses.field(default_factory=list)

    def predict(self, X: np.ndarray) -> list[str]:
        self.calls.append(len(X))
        return super().predict(X)


def _nurture_leads(scorer: LeadScorer, leads: list[dict]) -> tuple[list[dict], list[str]]:
    """The C/D leads not from a target account, and the model's reasons for them."""
    results = scorer.score_records(leads, on=DAY)
    rows = [i for i, r in enumerate(results) if r["route"]["queue"] == "nurture"]
    assert scorer.loss_reasons is not None
    reasons = scorer.loss_reasons.predict(
        scorer.transformer.transform_records([leads[i] for i in rows])
    )
    return [results[i] for i in rows], reasons


@pytest.mark.parametrize(
    ("reason", "track", "re_engage_on"),
    [
        ("bad_timing", "re_engage_later", "2026-05-31"),
        ("no_need", "education", None),
        ("wrong_target", "find_right_contact", None),
        ("not_decision_maker", "find_right_contact", None),
        ("no_budget", "general", None),
        ("competitor", "general", None),
        ("unreachable", "general", None),
        ("other", "general", None),
        (None, "general", None),
    ],
)
def test_a_nurture_track_follows_the_loss_reason(reason, track, re_engage_on):
    route = RoutingPolicy(HOURS).route("C", reason=reason, on=DAY)
    assert route == {
        "queue": "nurture",
        "follow_up_within_hours": None,
        "track": track,
        "re_engage_on": re_engage_on,
    }


@pytest.mark.parametrize("grade", ["A", "B"])
def test_sales_grades_get_no_track_whatever_the_reason(grade):
    route = RoutingPolicy(HOURS).route(grade, reason="bad_timing", on=DAY)
    assert route["queue"] == "sales"
    assert route["track"] is None
    assert route["re_engage_on"] is None


def test_a_target_account_goes_to_sales_whatever_the_reason():
    route = RoutingPolicy(HOURS).route("D", target_account=True, reason="bad_timing", on=DAY)
    assert route["track"] == "target_account"
    assert route["re_engage_on"] is None


def test_the_spec_sets_the_re_engage_delay_and_the_tracks():
    text = demo_spec_text().replace(
        "[target_accounts]",
        '[routing]\nre_engage_after_days = 30\n[routing.tracks]\nno_budget = "re_engage_later"\n'
        'wrong_target = "partner_program"\n\n[target_accounts]',
    )
    policy = RoutingPolicy.from_spec(LeadSpec.parse(text).routing)
    assert policy.route("D", reason="no_budget", on=DAY)["re_engage_on"] == "2026-04-01"
    assert policy.route("D", reason="wrong_target", on=DAY)["track"] == "partner_program"
    assert policy.route("D", reason="no_need", on=DAY)["track"] == "education"


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ("re_engage_after_days = 0", r"routing\.re_engage_after_days"),
        ('tracks = {bad_timing = "Call Later"}', r"'Call Later' is not a track name"),
        ('tracks = {bad_moment = "later"}', r"routing\.tracks\.bad_moment"),
    ],
)
def test_the_spec_rejects_bad_routing(routing, message):
    text = demo_spec_text().replace(
        "[target_accounts]", f"[routing]\n{routing}\n\n[target_accounts]"
    )
    with pytest.raises(SpecError, match=message):
        LeadSpec.parse(text)


def test_scored_c_and_d_leads_get_the_track_of_their_predicted_reason(scorer, leads):
    results, reasons = _nurture_leads(scorer, leads)
    assert {r["grade"] for r in results} == {"C", "D"}
    assert [r["route"]["track"] for r in results] == [scorer.routing.track_for(x) for x in reasons]
    assert {"re_engage_later", "education", "find_right_contact"} <= set(
        r["route"]["track"] for r in results
    )


def test_re_engage_later_comes_with_the_date_and_other_tracks_without(scorer, leads):
    results, _ = _nurture_leads(scorer, leads)
    later = (DAY + timedelta(days=90)).isoformat()
    for r in results:
        expected = later if r["route"]["track"] == "re_engage_later" else None
        assert r["route"]["re_engage_on"] == expected


def test_a_and_b_leads_are_routed_as_before(scorer, leads):
    for r in scorer.score_records(leads, on=DAY):
        if r["grade"] in "AB":
            assert r["route"] == {
                "queue": "sales",
                "follow_up_within_hours": HOURS[r["grade"]],
                "track": None,
                "re_engage_on": None,
            }


def test_one_predict_per_batch_and_only_for_nurture_leads(scorer, leads):
    assert scorer.loss_reasons is not None
    counting = CountingModel(scorer.loss_reasons.booster, scorer.loss_reasons.classes)
    counted = dataclasses.replace(scorer, loss_reasons=counting)
    results = counted.score_records(leads, on=DAY)
    assert counting.calls == [sum(r["route"]["queue"] == "nurture" for r in results)]
    sales_only = [lead for lead, r in zip(leads, results, strict=True) if r["grade"] in "AB"]
    counted.score_records(sales_only, on=DAY)
    assert len(counting.calls) == 1


def test_a_model_saved_without_loss_reasons_loads_and_scores(scorer, leads, tmp_path):
    old = dataclasses.replace(scorer, routing=RoutingPolicy(dict(HOURS)), loss_reasons=None)
    loaded = load_scorer(save_scorer(old, tmp_path / "old"))

    assert loaded.loss_reasons is None
    results = loaded.score_records(leads, on=DAY)
    expected = scorer.score_records(leads, on=DAY)
    assert [r["grade"] for r in results] == [r["grade"] for r in expected]
    nurture = [r["route"] for r in results if r["route"]["queue"] == "nurture"]
    assert {(r["track"], r["re_engage_on"]) for r in nurture} == {("general", None)}


def test_the_frame_path_carries_the_track_and_date(scorer, leads):
    frame = scorer.score_frame(pd.DataFrame(leads[:100]))
    frame = frame.astype(object).where(frame.notna(), None)
    records = scorer.score_records(leads[:100])
    assert frame["track"].tolist() == [r["route"]["track"] for r in records]
    assert frame["re_engage_on"].tolist() == [r["route"]["re_engage_on"] for r in records]


def test_the_store_reads_routes_with_and_without_a_date():
    new = {
        "queue": "nurture",
        "follow_up_within_hours": None,
        "track": "re_engage_later",
        "re_engage_on": "2026-05-31",
    }
    old = {"queue": "nurture", "follow_up_within_hours": None, "track": "general"}
    assert StoredRoute.model_validate(new).re_engage_on == date(2026, 5, 31)
    assert StoredRoute.model_validate(new).model_dump(mode="json")["re_engage_on"] == "2026-05-31"
    assert StoredRoute.model_validate(old).re_engage_on is None


def test_a_loss_reason_model_needs_two_distinct_classes(scorer):
    assert scorer.loss_reasons is not None
    with pytest.raises(ValueError, match="2 or more distinct classes"):
        LossReasonModel(scorer.loss_reasons.booster, ("bad_timing",))

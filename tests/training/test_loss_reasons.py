"""The loss-reason model: learned from lost leads' reasons, judged against the majority class."""

import pytest

from features.spec import LeadSpec, demo_spec, demo_spec_text
from tests.helpers import tiny_training
from training.checks import DataChecks
from training.demo_data import generate_leads
from training.loss_reasons import OTHER, reason_classes
from training.pipeline import train_scorer

GENERAL = "C and D leads get the general nurture track"


@pytest.fixture(scope="module")
def trained():
    return tiny_training()


def test_it_beats_the_majority_class_on_macro_f1(trained):
    evaluation = trained.loss_reasons.evaluation
    assert evaluation is not None
    assert evaluation.macro_f1 > 0.15
    assert evaluation.macro_f1 > 2 * evaluation.majority_macro_f1
    assert trained.scorer.loss_reasons is not None


def test_it_learns_from_lost_leads_with_a_reason_and_never_from_invalid_ones(trained):
    evaluation = trained.loss_reasons.evaluation
    assert evaluation is not None
    assert "invalid" not in evaluation.classes
    labels = trained.scorer.card.data
    learned = sum(sum(part.values()) for part in evaluation.counts.values())
    assert 0 < learned <= labels.lost


def test_the_card_carries_the_evaluation(trained):
    card = trained.scorer.card
    metrics = card.metrics["loss_reasons"]
    assert metrics["loss_reason_macro_f1"] > metrics["loss_reason_majority_macro_f1"]
    report = card.evaluation["loss_reasons"]
    assert report["used"] is True
    assert set(report["per_class"]) >= set(report["classes"]) | {"macro avg"}
    size = len(report["classes"])
    assert [len(row) for row in report["confusion"]] == [size] * size


@pytest.mark.parametrize(
    ("reasons", "min_count", "classes"),
    [
        (["a"] * 5 + ["b"] * 5, 5, ("a", "b")),
        (["a"] * 5 + ["b"] * 5 + ["c"], 5, ("a", "b", OTHER)),
        (["a"] * 5 + ["b"] * 4 + [None] * 9, 5, ("a", OTHER)),
        (["a"] * 5 + [OTHER] * 9, 5, ("a", OTHER)),
        (["a"] * 5, 5, ("a",)),
    ],
)
def test_rare_reasons_are_learned_together_as_other(reasons, min_count, classes):
    assert reason_classes(reasons, min_count) == classes


def test_rare_classes_are_grouped_in_a_real_run():
    checks = DataChecks(min_reason_class=150)
    result = train_scorer(generate_leads(2000, seed=3), demo_spec(), checks=checks)
    evaluation = result.loss_reasons.evaluation
    assert evaluation is not None
    assert evaluation.classes[-1] == OTHER
    assert {"competitor", "no_budget", "unreachable"}.isdisjoint(evaluation.classes)
    assert result.scorer.loss_reasons is not None
    assert result.scorer.loss_reasons.classes == tuple(evaluation.classes)


def _without_model(result) -> None:
    assert result.scorer.loss_reasons is None
    assert "loss_reasons" not in result.scorer.card.metrics


def test_without_a_reason_column_it_trains_without_and_says_so():
    text = demo_spec_text().replace('reason = "loss_reason"\n', "")
    spec = LeadSpec.parse(text.replace('drop = ["full_name"', 'drop = ["loss_reason", "full_name"'))
    result = train_scorer(generate_leads(1200, seed=3), spec)
    _without_model(result)
    assert any(
        "no [feedback] reason column" in w and GENERAL in w for w in result.scorer.card.warnings
    )


def test_with_too_few_reasons_it_trains_without_and_says_so():
    leads = generate_leads(1200, seed=3)
    lost = leads.index[leads["status"] == "lost"]
    leads.loc[lost[30:], "loss_reason"] = None
    result = train_scorer(leads, demo_spec())
    _without_model(result)
    assert any(
        "only 30 lost leads with a loss reason (fewer than 50)" in w
        for w in result.scorer.card.warnings
    )


def test_with_a_single_reason_it_trains_without_and_says_so():
    leads = generate_leads(1200, seed=3)
    leads.loc[leads["status"] == "lost", "loss_reason"] = "Not the right moment"
    result = train_scorer(leads, demo_spec())
    _without_model(result)
    assert any("fewer than 2 loss reasons" in w for w in result.scorer.card.warnings)


def test_without_a_model_c_and_d_leads_get_the_general_track():
    leads = generate_leads(1200, seed=3)
    leads.loc[leads["status"] == "lost", "loss_reason"] = None
    result = train_scorer(leads, demo_spec())
    routes = result.scorer.score_records(generate_leads(200, seed=9).to_dict(orient="records"))
    tracks = {r["route"]["track"] for r in routes if r["route"]["queue"] == "nurture"}
    assert tracks == {"general"}

"""Explanations: they come from the model, add up exactly, and tell the truth on demo data."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from features.spec import demo_spec
from models.evidence import bin_label
from models.explain import log_odds_contributions, to_tenths
from models.saved import load_scorer, save_scorer
from models.scorer import LeadScorer
from tests.helpers import tiny_training
from training.demo_data import TRUE_DRIVERS, generate_leads
from training.pipeline import TrainingResult, train_scorer


@pytest.fixture(scope="module")
def trained() -> TrainingResult:
    return tiny_training()


@pytest.fixture(scope="module")
def scorer(trained: TrainingResult) -> LeadScorer:
    return trained.scorer


@pytest.fixture(scope="module")
def leads(trained: TrainingResult) -> list[dict]:
    """Holdout leads as the API would pass them (feature fields, None for missing)."""
    spec = trained.scorer.spec
    frame = trained.holdout[[spec.lead.id, *spec.feature_fields]]
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.fixture(scope="module")
def larger() -> LeadScorer:
    """A model on more demo leads, for the truthfulness checks."""
    return train_scorer(generate_leads(5000, seed=11), demo_spec()).scorer


def _points(scorer: LeadScorer, lead: dict) -> tuple[float, dict[str, float]]:
    score, explanation = scorer.explain_record(lead)
    return score["score"], {c["field"]: c["points"] for c in explanation["contributions"]}


def test_log_odds_contributions_add_up_to_the_raw_score(scorer, leads):
    X = scorer.transformer.transform_records(leads)
    explainer = scorer.explainer()
    base, contributions = log_odds_contributions(scorer.estimator, X, explainer.grouping)

    np.testing.assert_allclose(base + contributions.sum(axis=1), scorer.raw_scores(X), atol=1e-6)
    assert contributions.shape == (len(leads), len(scorer.spec.feature_fields))


def test_points_add_up_exactly_to_the_returned_score(scorer, leads):
    for lead in leads[:80]:
        score, explanation = scorer.explain_record(lead)
        tenths = [round(c["points"] * 10) for c in explanation["contributions"]]
        assert round(explanation["base_points"] * 10) + sum(tenths) == round(score["score"] * 10)
        assert explanation["log_odds"] == pytest.approx(
            explanation["base_log_odds"] + sum(c["log_odds"] for c in explanation["contributions"])
        )


def test_points_keep_the_sign_of_the_log_odds(scorer, leads):
    for lead in leads[:80]:
        _, explanation = scorer.explain_record(lead)
        for c in explanation["contributions"]:
            assert c["points"] == 0 or np.sign(c["points"]) == np.sign(c["log_odds"])


def test_every_input_field_is_one_contribution(scorer, leads):
    _, explanation = scorer.explain_record(leads[0])
    fields = [c["field"] for c in explanation["contributions"]]
    # job_title feeds seniority and function, email the free-mail flag: still one reason each.
    assert sorted(fields) == sorted(scorer.spec.feature_fields)


def test_top_reasons_are_the_largest_up_then_down(scorer, leads):
    for lead, (_, reasons) in zip(
        leads[:40], scorer.explain_records(leads[:40], top=3), strict=True
    ):
        points = [r["points"] for r in reasons["reasons"]]
        _, every = _points(scorer, lead)
        up = sorted((p for p in every.values() if p > 0), reverse=True)[:3]
        down = sorted(p for p in every.values() if p < 0)[:3]
        assert points == up + down
        assert all(every[r["field"]] == r["points"] for r in reasons["reasons"])


def test_fit_and_engagement_are_the_sums_of_their_groups(scorer, leads):
    groups = scorer.spec.features.groups
    for lead in leads[:20]:
        score, explanation = scorer.explain_record(lead)
        by_field = {c["field"]: c["points"] for c in explanation["contributions"]}
        for group in ("fit", "engagement"):
            assert explanation[group] == pytest.approx(sum(by_field[f] for f in groups[group]))
        # The demo spec puts every field in one of the two groups.
        assert explanation["base_points"] + explanation["fit"] + explanation[
            "engagement"
        ] == pytest.approx(score["score"])


def test_sentences_quote_the_training_data(scorer, leads):
    lead = {**leads[0], "job_title": "VP Marketing", "demo_requested": True}
    _, explanation = scorer.explain_record(lead)
    sentence = next(
        c["sentence"] for c in explanation["contributions"] if c["field"] == "job_title"
    )
    bucket = scorer.report.fields["job_title"].bucket("4")

    assert sentence.startswith("Job title 'VP Marketing' (")
    assert "leads with vice-president titles converted" in sentence
    assert f"{bucket.conversion * 100:.0f} %" in sentence
    assert f"against {scorer.report.base_rate * 100:.0f} % overall" in sentence


def test_sentences_show_only_the_domain_of_an_email(scorer, leads):
    lead = {**leads[0], "email": "jane.doe@gmail.com"}
    _, explanation = scorer.explain_record(lead)
    sentence = next(c["sentence"] for c in explanation["contributions"] if c["field"] == "email")
    assert "jane.doe" not in sentence
    assert "'gmail.com'" in sentence
    assert "free-mail address" in sentence


def test_report_value_tables_count_every_closed_lead(scorer):
    report = scorer.report
    for stats in report.fields.values():
        if stats.column is not None:
            assert sum(b.leads for b in stats.buckets) == report.leads, stats.field
            assert all(0 <= (b.conversion or 0) <= 1 for b in stats.buckets)
    employees = report.fields["employees"]
    assert len(employees.edges) >= 3
    assert employees.integral
    assert [b.key for b in report.fields["demo_requested"].buckets] == ["yes", "no"]


def test_report_ranks_fields_and_keeps_the_grade_table(trained):
    report = trained.scorer.report
    points = [row.mean_abs_points for row in report.importance]
    assert points == sorted(points, reverse=True)
    assert sum(row.share for row in report.importance) == pytest.approx(1.0)
    assert [g.grade for g in report.grades] == ["A", "B", "C", "D"]
    assert report.grades[0].conversion == trained.evaluations["model"].grade("A").conversion
    assert sum(b.leads for b in report.calibration) == report.evaluated_leads


def test_true_drivers_lead_the_global_importance(larger):
    ranked = [row.field for row in larger.report.importance]
    top = ranked[: len(TRUE_DRIVERS) + 1]
    missing = set(TRUE_DRIVERS) - set(top)
    assert not missing, f"true drivers {missing} not among the top fields {top}"
    # The generator gives country no effect at all.
    assert ranked.index("country") >= len(TRUE_DRIVERS)


CHANGES = [
    ("demo_requested", False, True),
    ("job_title", "Marketing Intern", "VP Marketing"),
    ("email", "sam.lee@gmail.com", "sam.lee@brightline-software.com"),
    ("industry", "Non-profit", "Software"),
    ("lead_source", "Cold list", "Referral"),
    ("pages_viewed", 1, 14),
]


@pytest.mark.parametrize(("field", "worse", "better"), CHANGES, ids=[c[0] for c in CHANGES])
def test_changing_one_field_gives_that_field_a_reason_that_moves_with_the_score(
    larger, field, worse, better
):
    base_leads = generate_leads(60, seed=5).head(5)
    spec = larger.spec
    frame = base_leads[[spec.lead.id, *spec.feature_fields]]
    for lead in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        low_score, low = _points(larger, {**lead, field: worse})
        high_score, high = _points(larger, {**lead, field: better})
        change = high_score - low_score
        assert change > 0, f"{field}: {worse!r} → {better!r} lowered the score"
        assert high[field] > low[field]
        assert high[field] > 0 > low[field]


@pytest.mark.parametrize(
    ("contributions", "score"),
    [
        ([0.0, 0.0, 0.0], None),  # an average lead: no field moves it
        ([0.8, -0.8, 0.0], None),  # effects that cancel out
        ([1e-12, -2e-12, 0.0], None),  # tiny effects: the slope at the base is used
        ([0.004, 0.003, 0.002], None),  # each below a tenth of a point
        ([2.5, 1.5, -0.7], None),
        ([-3.0, -2.0, -1.0], None),
    ],
)
def test_to_tenths_adds_up_and_keeps_signs(contributions, score):
    base = np.array([-1.5])
    phi = np.array([contributions])

    def calibrate(raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(0.9 * raw + 0.2)))

    scores = np.round(100 * calibrate(base + phi.sum(axis=1)), 1)
    base_tenths, tenths = to_tenths(base, phi, calibrate, scores)

    assert base_tenths[0] + tenths[0].sum() == round(scores[0] * 10)
    for value, log_odds in zip(tenths[0], contributions, strict=True):
        assert value == 0 or np.sign(value) == np.sign(log_odds)


def test_a_model_saved_without_a_report_loads_and_explains(scorer, leads, tmp_path):
    loaded = load_scorer(save_scorer(dataclasses.replace(scorer, report=None), tmp_path / "m"))
    score, explanation = loaded.explain_record(leads[0])

    assert loaded.report is None
    assert score == scorer.score_records([leads[0]])[0]
    assert all(
        re.fullmatch(r".+ \([+−][\d.]+\)\.", c["sentence"]) for c in explanation["contributions"]
    )


@pytest.mark.parametrize(
    ("edges", "i", "integral", "low", "expected"),
    [
        ([23.0, 66.0], 0, True, 1.0, "1–22"),
        ([1.0, 3.0], 0, True, 0.0, "0"),
        ([1.0, 3.0], 1, True, 0.0, "1–2"),
        ([3.0, 4.0], 1, True, 0.0, "3"),
        ([3.0, 4.0], 2, True, 0.0, "4 or more"),
        ([2500.0, 10000.0], 2, True, 1.0, "10,000 or more"),
        ([0.5, 1.25], 0, False, 0.0, "under 0.5"),
        ([0.5, 1.25], 1, False, 0.0, "0.5 to under 1.25"),
        ([], 0, False, None, "any value"),
    ],
)
def test_numeric_bins_read_as_ranges(edges, i, integral, low, expected):
    assert bin_label(edges, i, integral, low) == expected


def test_explaining_needs_no_dataframe(scorer, leads):
    # The serving path: dicts in, no pandas on the way.
    pairs = scorer.explain_records(leads[:3])
    assert [s["lead_id"] for s, _ in pairs] == [lead["lead_id"] for lead in leads[:3]]
    assert not any(isinstance(r["value"], pd.Series) for _, x in pairs for r in x["reasons"])

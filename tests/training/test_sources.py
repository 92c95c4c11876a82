"""Outcomes from a second file: the [outcome] keys, the join, and training on it."""

import pandas as pd
import pytest

from features.errors import DataError, SpecError
from features.outcome import OUTCOME_FROM_FILE
from features.spec import LeadSpec, demo_spec
from features.validation import validate_leads
from training.demo_data import generate_leads
from training.labels import make_labels
from training.pipeline import train_scorer
from training.sources import join_outcomes, read_training_data

PRESENCE = """
[lead]
id = "id"
created_at = "created"

[outcome]
file = "deals.csv"
won_if_present = true
date = "won_at"

[features]
categorical = ["origin"]
"""

STATUS = """
[lead]
id = "id"

[outcome]
file = "opportunities.csv"
join = "lead"
column = "stage"
won = ["Closed Won"]
lost = ["Closed Lost"]

[feedback]
reason = "why"

[features]
categorical = ["origin"]
"""


def leads(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "created": [f"2024-01-{i + 1:02d}" for i in range(n)],
            "origin": ["ads", "seo"] * (n // 2),
        }
    )


def test_won_if_present_makes_listed_leads_won_and_the_rest_lost():
    spec = LeadSpec.parse(PRESENCE)
    deals = pd.DataFrame({"id": ["1", "4"], "won_at": ["2024-02-01", "2024-02-09"]})
    joined, report = join_outcomes(leads(), deals, spec)
    assert joined[OUTCOME_FROM_FILE].tolist() == ["lost", "won", "lost", "lost", "won", "lost"]
    assert joined["won_at"].notna().sum() == 2
    assert (report.outcome_rows, report.matched, report.unmatched) == (2, 2, 0)


def test_won_count_equals_the_outcome_rows_that_match_a_lead():
    spec = LeadSpec.parse(PRESENCE)
    deals = pd.DataFrame({"id": ["0", "2", "5", "99", ""], "won_at": ["2024-03-01"] * 5})
    joined, report = join_outcomes(leads(), deals, spec)
    labels = make_labels(validate_leads(joined, spec).frame, spec)
    assert labels.won == report.matched == 3
    assert (report.unmatched, report.without_id) == (1, 1)
    assert any("1 outcome row(s) name no lead" in line for line in report.lines())


def test_ids_match_as_text_whatever_their_type():
    spec = LeadSpec.parse(PRESENCE)
    deals = pd.DataFrame({"id": [3, " 5 "], "won_at": ["2024-03-01", "2024-03-02"]})
    joined, _ = join_outcomes(leads(), deals, spec)
    assert joined.loc[joined[OUTCOME_FROM_FILE] == "won", "id"].tolist() == ["3", "5"]


def test_status_column_in_the_outcomes_file_and_absent_leads_are_open():
    spec = LeadSpec.parse(STATUS)
    opportunities = pd.DataFrame(
        {
            "lead": ["0", "1", "2"],
            "stage": ["Closed Won", "Closed Lost", "Negotiation"],
            "why": [None, "No budget", None],
        }
    )
    joined, _ = join_outcomes(leads(), opportunities, spec)
    labels = make_labels(validate_leads(joined, spec).frame, spec)
    assert (labels.won, labels.lost, labels.excluded["open"]) == (1, 1, 4)
    assert labels.reason == [None, "no_budget"]


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        (pd.DataFrame({"id": ["1", "1"], "won_at": ["2024-02-01"] * 2}), "appear more than once"),
        (pd.DataFrame({"lead_id": ["1"], "won_at": ["2024-02-01"]}), "no column 'id' to join"),
    ],
)
def test_join_refuses_what_it_cannot_match_exactly(outcomes, message):
    with pytest.raises(DataError, match=message):
        join_outcomes(leads(), outcomes, LeadSpec.parse(PRESENCE))


def test_a_column_in_both_files_is_ambiguous():
    opportunities = pd.DataFrame({"lead": ["1"], "stage": ["Closed Won"], "why": [""]})
    with pytest.raises(DataError, match="'why' are in both the lead export and"):
        join_outcomes(leads().assign(why=""), opportunities, LeadSpec.parse(STATUS))


def test_status_mode_needs_its_column_in_the_outcomes_file():
    with pytest.raises(DataError, match="has no outcome column 'stage'"):
        join_outcomes(leads(), pd.DataFrame({"lead": ["1"]}), LeadSpec.parse(STATUS))


STATUS_KEYS = 'column = "s"\nwon = ["w"]\nlost = ["l"]\njoin = "id"'


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('file = "deals.csv"\n', ""), "won_if_present = true needs file"),
        (("won_if_present = true", 'won_if_present = true\ncolumn = "x"'), "leave out column"),
        (('file = "deals.csv"\nwon_if_present = true', STATUS_KEYS), "set file too"),
    ],
)
def test_outcome_section_errors_name_the_problem(edit, message):
    with pytest.raises(SpecError, match=message):
        LeadSpec.parse(PRESENCE.replace(*edit))


def test_training_on_an_unjoined_frame_says_to_join_first():
    with pytest.raises(SpecError, match="join it to the leads first"):
        validate_leads(leads(), LeadSpec.parse(PRESENCE))


def test_outcomes_file_is_read_next_to_the_data_file(tmp_path):
    leads().to_csv(tmp_path / "leads.csv", index=False)
    pd.DataFrame({"id": ["2"], "won_at": ["2024-02-01"]}).to_parquet(tmp_path / "deals.pq")
    spec = LeadSpec.parse(PRESENCE.replace("deals.csv", "deals.pq"))
    data = read_training_data(tmp_path / "leads.csv", spec)
    assert data.join is not None
    assert data.join.matched == 1
    assert data.frame[OUTCOME_FROM_FILE].tolist().count("won") == 1


def test_a_missing_outcomes_file_names_where_it_was_looked_for(tmp_path):
    leads().to_csv(tmp_path / "leads.csv", index=False)
    with pytest.raises(DataError, match=r"no outcomes file .*deals\.csv.*data file's folder"):
        read_training_data(tmp_path / "leads.csv", LeadSpec.parse(PRESENCE))


def test_unreadable_outcome_dates_are_reported_not_fatal():
    spec = LeadSpec.parse(PRESENCE)
    deals = pd.DataFrame({"id": ["1", "2"], "won_at": ["2024-02-01", "next tuesday"]})
    joined, _ = join_outcomes(leads(), deals, spec)
    report = validate_leads(joined, spec).report
    assert report.bad_values == {"won_at": 1}


def test_a_model_trains_from_leads_and_a_table_of_won_leads(tmp_path):
    demo = generate_leads(1500, seed=21)
    demo = demo[demo["status"] != "open"]
    won = demo.loc[demo["status"] == "won", ["lead_id"]]
    raw = demo_spec().model_dump(exclude_none=True)
    raw["outcome"] = {"file": "won.csv", "won_if_present": True}
    raw["feedback"] = {}
    spec = LeadSpec.model_validate(raw)
    joined, report = join_outcomes(demo.drop(columns=["status", "loss_reason"]), won, spec)
    result = train_scorer(joined, spec)
    assert result.scorer.card.data.won == report.matched == len(won)
    assert result.evaluations["model"].roc_auc is not None

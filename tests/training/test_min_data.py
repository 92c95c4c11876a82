"""Minimum data: a floor of won and lost leads, a soft level that warns, outcome-date checks."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from features.errors import DataError
from features.spec import LeadSpec, demo_spec
from training.checks import DataChecks, check_label_counts, outcome_timing_warnings
from training.demo_data import generate_leads
from training.pipeline import train_scorer
from training.settings import TrainSettings


def leads_with_wins(won: int, rows: int = 900, seed: int = 2) -> pd.DataFrame:
    """Demo leads with exactly ``won`` won leads (the other won leads turned lost)."""
    leads = generate_leads(rows, seed=seed)
    wins = leads.index[leads["status"] == "won"].to_numpy()
    extra = np.random.default_rng(seed).permutation(wins)[won:]
    leads.loc[extra, "status"] = "lost"
    return leads


def test_training_refuses_below_the_floor_and_says_what_it_found():
    leads = leads_with_wins(25)
    with pytest.raises(DataError, match=r"at least 40 won and 40 lost leads; found 25 won and"):
        train_scorer(leads, demo_spec())


def test_below_the_soft_level_it_trains_but_warns_in_the_card():
    result = train_scorer(leads_with_wins(60), demo_spec())
    card = result.scorer.card
    assert card.data.won == 60
    assert any("only 60 won" in w and "fewer than 200 of each" in w for w in card.warnings)


def test_the_levels_are_configurable():
    checks = DataChecks(min_per_class=10, warn_per_class=50)
    result = train_scorer(leads_with_wins(60), demo_spec(), checks=checks)
    assert not [w for w in result.scorer.card.warnings if "won and" in w]
    with pytest.raises(DataError, match="at least 100 won"):
        train_scorer(leads_with_wins(60), demo_spec(), checks=DataChecks(min_per_class=100))


def test_a_split_part_without_wins_is_a_data_error_not_a_crash():
    leads = generate_leads(900, seed=2)
    newest = leads.sort_values("created_at").index[-300:]
    leads.loc[newest.intersection(leads.index[leads["status"] == "won"]), "status"] = "lost"
    with pytest.raises(DataError, match=r"left the holdout leads \(\d+\) with 0 won"):
        train_scorer(leads, demo_spec(), checks=DataChecks(min_per_class=10))


@pytest.mark.parametrize(
    ("won", "lost", "warned"),
    [(40, 40, True), (199, 5000, True), (200, 200, False), (5000, 200, False)],
)
def test_check_label_counts_at_the_edges(won, lost, warned):
    assert bool(check_label_counts(won, lost, DataChecks())) is warned


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"min_per_class": 50, "warn_per_class": 20}, "warn_per_class must be at least"),
        ({"min_per_class": 0}, "greater than or equal to 1"),
        ({"max_single_auc": 0.4}, "greater than 0.5"),
        ({"dominant_share": 0.1, "runner_up_share": 0.2}, "runner_up_share must be below"),
    ],
)
def test_inconsistent_checks_are_refused(values, message):
    with pytest.raises(ValidationError, match=message):
        DataChecks(**values)


def test_settings_read_the_checks_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEADGRADE_CHECKS__MIN_PER_CLASS", "100")
    monkeypatch.setenv("LEADGRADE_CHECKS__ALLOW_LEAKY", '["pages_viewed"]')
    checks = TrainSettings().checks
    assert checks.min_per_class == 100
    assert checks.allow_leaky == ("pages_viewed",)


SPEC = LeadSpec.parse("""
[lead]
id = "id"
created_at = "created"
[outcome]
file = "won.csv"
won_if_present = true
date = "won_at"
[features]
categorical = ["origin"]
""")


def timing(created: list[str], won_at: list[str | None]) -> list[str]:
    frame = pd.DataFrame(
        {
            "created": pd.to_datetime(created, utc=True),
            "won_at": pd.to_datetime(won_at, utc=True),
        }
    )
    y = frame["won_at"].notna().to_numpy().astype(np.int64)
    return outcome_timing_warnings(frame, SPEC, y)


def test_outcomes_that_start_long_after_the_first_lead_are_flagged():
    created = ["2024-01-01", "2024-05-01", "2024-05-02", "2024-05-03"]
    warnings = timing(created, [None, "2024-05-05", "2024-05-06", "2024-09-30"])
    assert any("earlier wins may be missing" in w for w in warnings)


def test_recent_leads_with_too_little_time_to_close_are_flagged():
    created = ["2024-01-01", "2024-01-02", "2024-03-01", "2024-06-01"]
    warnings = timing(created, ["2024-03-01", "2024-04-01", "2024-05-01", None])
    assert any("some recent leads labelled lost may still be won" in w for w in warnings)


def test_wins_dated_before_creation_are_counted():
    warnings = timing(["2024-01-10", "2024-01-10"], ["2024-01-01", "2024-01-11"])
    assert warnings[0] == "1 won lead(s) have an outcome date before their creation time"


def test_outcome_dates_that_cover_the_period_give_no_warning():
    created = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert timing(created, ["2024-01-05", "2024-01-09", None, "2024-03-01"]) == []

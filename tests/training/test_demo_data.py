import time
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from features.derived import email_domain, is_free_mail, title_seniority
from features.reasons import CanonicalReason, canonical_reason
from features.spec import demo_spec
from training.demo_data import TRUE_DRIVERS, generate_leads, write_demo_data

SPEC = demo_spec()
JUNIOR = r"(?i)\b(?:intern|student|trainee|apprentice)\b"
SENIOR = r"(?i)\b(?:chief|ceo|founder|owner|vp|svp|vice president|head of|director)\b"


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(5000, seed=7)


@pytest.fixture(scope="module")
def closed(leads: pd.DataFrame) -> pd.DataFrame:
    return leads[leads["status"] != "open"]


@pytest.fixture(scope="module")
def lost(leads: pd.DataFrame) -> pd.DataFrame:
    return leads[leads["status"] == "lost"]


def win_rate(frame: pd.DataFrame) -> float:
    return float((frame["status"] == "won").mean())


def test_same_seed_gives_identical_leads():
    pd.testing.assert_frame_equal(generate_leads(300, seed=3), generate_leads(300, seed=3))


def test_different_seeds_give_different_leads():
    a, b = generate_leads(300, seed=3), generate_leads(300, seed=4)
    assert (a["email"] != b["email"]).mean() > 0.9
    assert (a["status"] != b["status"]).any()


def test_columns_are_exactly_what_the_demo_spec_names(leads):
    SPEC.check_columns(leads.columns)
    named = {*SPEC.required_columns, *SPEC.feedback_fields, *SPEC.features.drop}
    assert set(leads.columns) == named
    assert len(leads.columns) == len(named)


def test_true_drivers_are_spec_features():
    assert set(TRUE_DRIVERS) <= set(SPEC.feature_fields)
    assert all(TRUE_DRIVERS.values())


def test_rejects_a_non_positive_row_count():
    with pytest.raises(ValueError, match="rows must be at least 1"):
        generate_leads(0)


def test_statuses_are_the_spec_outcomes_or_open(leads):
    allowed = {*SPEC.outcome.won, *SPEC.outcome.lost, "open"}
    assert set(leads["status"]) == allowed


def test_every_lost_lead_has_a_reason_from_the_crm_picklist(leads):
    lost = leads[leads["status"].isin(SPEC.outcome.lost)]
    reasons = [canonical_reason(r, SPEC.feedback.reasons) for r in lost["loss_reason"]]
    assert None not in reasons
    assert CanonicalReason.OTHER not in reasons
    assert set(lost["loss_reason"]) == set(SPEC.feedback.reasons)


@pytest.mark.parametrize("status", ["won", "open"])
def test_leads_that_are_not_lost_have_no_loss_reason(leads, status):
    assert leads.loc[leads["status"] == status, "loss_reason"].isna().all()


def test_disqualified_leads_are_duplicate_or_invalid(leads):
    disqualified = leads[leads["status"] == "disqualified"]
    assert 0.01 < len(disqualified) / len(leads) < 0.06
    assert (disqualified["loss_reason"] == "Duplicate / invalid").all()


@pytest.mark.parametrize(
    ("reason", "missing_driver"),
    [
        ("No decision power", lambda d: d["job_title"].str.contains(JUNIOR, na=False)),
        ("No real need", lambda d: ~d["demo_requested"] & (d["pages_viewed"] <= 2)),
        ("Wrong target", lambda d: d["industry"].isin(["Education", "Non-profit"])),
        ("Wrong target", lambda d: d["employees"].fillna(100) < 10),
    ],
)
def test_loss_reason_follows_the_missing_driver(lost, reason, missing_driver):
    mask = missing_driver(lost)
    share_when_missing = (lost.loc[mask, "loss_reason"] == reason).mean()
    share_otherwise = (lost.loc[~mask, "loss_reason"] == reason).mean()
    assert share_when_missing > 2 * share_otherwise


def test_junior_titles_lose_for_lack_of_decision_power_more_than_senior_ones(lost):
    reason = lost["loss_reason"] == "No decision power"
    junior = lost["job_title"].str.contains(JUNIOR, na=False)
    senior = lost["job_title"].str.contains(SENIOR, na=False)
    assert reason[junior].mean() > 3 * reason[senior].mean()


def test_sales_rating_is_empty_until_sales_spoke_to_the_lead(leads):
    assert leads.loc[leads["status"] == "open", "sales_rating"].isna().all()
    never_reached = leads["loss_reason"] == "Never reached"
    assert leads.loc[never_reached, "sales_rating"].isna().all()


def test_sales_rating_reveals_the_outcome(leads):
    rating = leads.groupby("status")["sales_rating"].mean()
    assert rating["won"] >= 4
    assert rating["lost"] <= 2.5
    assert leads["sales_rating"].dropna().between(1, 5).all()


def test_created_at_spans_eighteen_months_ending_october_2026(leads):
    created = leads["created_at"]
    assert created.min() >= pd.Timestamp("2025-05-01")
    assert created.max() < pd.Timestamp("2026-11-01")
    assert (created.max() - created.min()).days > 540
    assert created.is_monotonic_increasing


def test_start_moves_the_window():
    created = generate_leads(200, start=datetime(2020, 1, 1))["created_at"]
    assert created.min() >= pd.Timestamp("2020-01-01")
    assert created.max() < pd.Timestamp("2021-07-01")


def test_recent_leads_are_mostly_open_and_older_ones_mostly_closed(leads):
    recent = leads["created_at"] > pd.Timestamp("2026-10-01")
    older = leads["created_at"] < pd.Timestamp("2026-08-01")
    assert (leads.loc[recent, "status"] == "open").mean() > 0.8
    assert (leads.loc[older, "status"] == "open").mean() < 0.06


def test_win_rate_among_closed_leads_is_about_one_in_five(closed):
    assert 0.15 <= win_rate(closed) <= 0.25


def test_free_mail_share_is_realistic(leads):
    free = leads["email"].map(email_domain).map(is_free_mail)
    assert 0.15 <= free.mean() <= 0.50


def test_target_account_leads_use_the_account_domain_and_name(leads):
    domain = leads["email"].str.split("@").str[1]
    targets = leads[domain.isin(SPEC.target_accounts.domains)]
    assert len(targets) > 50
    expected = {"northwind.com": "Northwind", "umbrella-corp.com": "Umbrella Corp"}
    for d, name in expected.items():
        assert (targets.loc[domain[targets.index] == d, "company"] == name).all()


@pytest.mark.parametrize(
    ("field", "more_likely", "ratio"),
    [
        ("demo_requested", lambda d: d["demo_requested"], 2.0),
        ("job_title", lambda d: d["job_title"].str.contains(SENIOR, na=False), 1.5),
        ("industry", lambda d: d["industry"].isin(["Software", "Financial Services"]), 1.5),
        ("email", lambda d: ~d["email"].map(email_domain).map(is_free_mail).astype(bool), 2.0),
        ("lead_source", lambda d: d["lead_source"].isin(["Referral", "Partner"]), 1.4),
        ("pages_viewed", lambda d: d["pages_viewed"] >= 6, 1.5),
    ],
)
def test_true_drivers_raise_the_win_rate(closed, field, more_likely, ratio):
    assert field in TRUE_DRIVERS
    mask = more_likely(closed)
    assert win_rate(closed[mask]) > ratio * win_rate(closed[~mask])


def test_country_does_not_drive_conversion(closed):
    rates = closed.groupby("country")["status"].apply(lambda s: (s == "won").mean())
    assert rates.max() - rates.min() < 0.12


def _model_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    codes = {c: frame[c].astype("category").cat.codes for c in ("industry", "lead_source")}
    return pd.DataFrame(
        {
            **codes,
            "seniority": frame["job_title"].map(title_seniority).astype(float),
            "free_mail": frame["email"].map(email_domain).map(is_free_mail).astype(float),
            "employees": frame["employees"].astype(float),
            **{c: frame[c].astype(float) for c in ("pages_viewed", "demo_requested")},
        }
    )


def test_a_simple_model_learns_it_well_but_not_perfectly(leads):
    data = leads[leads["status"].isin(["won", "lost"])]
    x, y = _model_matrix(data), (data["status"] == "won").to_numpy()
    cut = int(len(data) * 0.7)  # train on older leads, test on newer ones
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, categorical_features=[0, 1], early_stopping=False
    )
    with threadpool_limits(1):  # OpenMP threads crawl when other test processes share the CPU
        p = model.fit(x[:cut], y[:cut]).predict_proba(x[cut:])[:, 1]
    assert 0.78 <= roc_auc_score(y[cut:], p) <= 0.9
    top, bottom = p >= np.quantile(p, 0.9), p <= np.quantile(p, 0.4)
    assert y[cut:][top].mean() >= 3 * y[cut:][bottom].mean()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_demo_data_round_trips(tmp_path, suffix):
    path = write_demo_data(tmp_path / "nested" / f"leads{suffix}", rows=50, seed=2)
    assert path.exists()
    back = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(back.columns) == list(generate_leads(50, seed=2).columns)
    assert len(back) == 50


def test_csv_writes_booleans_as_true_false_and_iso_timestamps(tmp_path):
    path = write_demo_data(tmp_path / "leads.csv", rows=50, seed=2)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(raw["demo_requested"]) | set(raw["webinar_attended"]) <= {"true", "false"}
    assert raw["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()


def test_fifty_thousand_leads_take_well_under_five_seconds():
    started = time.perf_counter()
    generate_leads(50_000, seed=1)
    assert time.perf_counter() - started < 5

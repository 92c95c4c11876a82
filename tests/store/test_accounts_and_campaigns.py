"""Target-account coverage with forgiving company matching; what each campaign should change."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from features.spec import TargetAccountsSection
from store import OutcomeIn
from store.accounts import AccountMatcher, target_accounts
from store.campaigns import campaign_advice

AT = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
ACCOUNTS = TargetAccountsSection(
    domains=["northwind.com", "umbrella-corp.com", "hooli.com"],
    names=["Globex Corporation", "Initech GmbH"],
)


@pytest.fixture
def account_spec(store_spec):
    return store_spec.model_copy(update={"target_accounts": ACCOUNTS})


@pytest.mark.parametrize(
    ("company", "email", "account"),
    [
        ("Northwind", "jane@northwind.com", "northwind.com"),
        (None, "jane@northwind.com", "northwind.com"),  # empty company: the email domain
        ("", "NORTHWIND.COM", "northwind.com"),
        ("UMBRELLA CORP.", "x@gmail.com", "umbrella-corp.com"),  # named after the domain
        ("Globex, Inc.", None, "Globex Corporation"),  # legal suffixes either side
        ("initech gmbh", "x@initech.de", "Initech GmbH"),
        ("Other Ltd", "x@other.com", None),
        ("Northwind Traders", "x@hooli.com", "hooli.com"),  # no name match: the domain
        (None, None, None),
    ],
)
def test_company_matching_is_forgiving(account_spec, company, email, account):
    assert AccountMatcher.from_spec(account_spec).match(company, email) == account


def test_target_accounts_counts_leads_and_lists_those_not_reached(store, account_spec, score_lead):
    score_lead("n1", AT, "B", company="Northwind")
    score_lead("n2", AT + timedelta(days=2), "A", company=None, email="a@northwind.com")
    score_lead("u1", AT, "C", company="Umbrella Corp", email="b@gmail.com")
    score_lead("g1", AT, "D", company="Globex, Inc.", email="c@gmail.com")
    score_lead("o1", AT, "A", company="Other Ltd", email="d@other.com")
    won = OutcomeIn(outcome="won", occurred_at=AT + timedelta(days=9))
    store.record_outcome("n1", won, client="crm", idempotency_key=None)

    report = target_accounts(store, account_spec)
    assert (report.accounts, report.reached, report.coverage) == (5, 3, 0.6)
    assert report.not_reached == ["hooli.com", "Initech GmbH"]
    northwind = report.rows[0]
    assert (northwind.account, northwind.leads, northwind.best_grade) == ("northwind.com", 2, "A")
    assert (northwind.accepted, northwind.opportunities, northwind.won) == (1, 1, 1)
    assert northwind.last_activity_at == AT + timedelta(days=9)


def _campaign(store, spec, demo_lead, score_result, name, grade, outcomes, route=None):
    """One lead per outcome (outcome, picklist reason) in campaign ``name``."""
    for outcome, reason in outcomes:
        lead_id = f"{name}-{next(_IDS)}"
        result = score_result(lead_id, grade, **({"route": route} if route else {}))
        lead = demo_lead(lead_id, campaign=name)
        store.record_scores(spec, [lead], [result], client="crm", scored_at=AT)
        event = OutcomeIn(outcome=outcome, reason=reason, occurred_at=AT + timedelta(days=3))
        store.record_outcome(
            lead_id, event, client="crm", idempotency_key=None,
            reason_mapping=spec.feedback.reasons,
        )  # fmt: skip


_IDS = itertools.count()
RE_ENGAGE = {"queue": "nurture", "follow_up_within_hours": None, "track": "re_engage_later"}


@pytest.fixture
def campaigns(store, store_spec, demo_lead, score_result):
    def add(name, grade, outcomes, route=None):
        _campaign(store, store_spec, demo_lead, score_result, name, grade, outcomes, route)

    timing = ("lost", "Not the right moment")
    add("cold", "C", [("lost", "No real need")] * 10 + [("lost", "No budget")] * 2)
    add("warm", "C", [("lost", "No real need")] + [timing] * 6)
    # Three more of warm's lost leads were routed to re-engage later, each on its own day.
    for day in (date(2024, 5, 1), date(2024, 6, 10), date(2024, 9, 1)):
        add("warm", "C", [timing], RE_ENGAGE | {"re_engage_on": day.isoformat()})
    add("star", "A", [("won", None)] * 20 + [("lost", None)] * 10)
    return store


def test_campaign_changes_follow_the_loss_reasons_that_stand_out(campaigns):
    advice = campaign_advice(campaigns, today=date(2024, 6, 1))
    flagged = {(c.campaign, c.reason): c for c in advice.changes}
    assert set(flagged) == {("cold", "no_need"), ("warm", "bad_timing")}
    cold = flagged["cold", "no_need"]
    assert (cold.change, cold.losses, cold.reason_count) == (
        "message and value proposition",
        12,
        10,
    )
    assert cold.share == pytest.approx(10 / 12)
    warm = flagged["warm", "bad_timing"]
    assert warm.change == "cultivation program"
    assert warm.re_engagement is not None
    assert warm.re_engagement.model_dump() == {
        "on_track": 3, "due_now": 1, "due_next_30_days": 1, "next_due": date(2024, 6, 10),
    }  # fmt: skip


def test_a_campaign_with_few_losses_is_not_judged(campaigns):
    advice = campaign_advice(campaigns, today=date(2024, 6, 1))
    assert all(c.losses >= 10 for c in advice.changes)


def test_double_down_on_campaigns_that_win_and_bring_good_leads(campaigns):
    advice = campaign_advice(campaigns, today=date(2024, 6, 1))
    assert [d.campaign for d in advice.double_down] == ["star"]
    assert advice.double_down[0].win_rate == pytest.approx(2 / 3)

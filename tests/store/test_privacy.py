"""Redaction of personal data before a lead is stored."""

import pytest

from features.derived import TargetAccounts, is_free_mail
from features.spec import PrivacySection
from store.privacy import REDACTED, redact, scrub


def test_email_keeps_only_its_domain_and_other_personal_fields_are_dropped(store_spec, demo_lead):
    lead = demo_lead("L1", email="Jane.Doe@Northwind.com")

    stored = redact(lead, store_spec)

    assert stored["email"] == "northwind.com"
    assert "full_name" not in stored
    assert "phone" not in stored
    assert {k: v for k, v in stored.items() if k != "email"} == {
        k: v for k, v in lead.items() if k not in {"email", "full_name", "phone", "owner_notes"}
    }


def test_a_stored_domain_still_gives_free_mail_and_target_accounts(store_spec, demo_lead):
    accounts = TargetAccounts(store_spec.target_accounts.domains)

    company = redact(demo_lead("L1", email="ceo@globex.com"), store_spec)["email"]
    free = redact(demo_lead("L2", email="someone@gmail.com"), store_spec)["email"]

    assert (company, None) in accounts
    assert is_free_mail(company) is False
    assert is_free_mail(free) is True


@pytest.mark.parametrize(
    ("email", "stored"),
    [("northwind.com", "northwind.com"), (None, None), ("n/a", None), ("  A@B.io ", "b.io")],
)
def test_odd_email_values(store_spec, demo_lead, email, stored):
    assert redact(demo_lead("L1", email=email), store_spec)["email"] == stored


def test_the_email_field_is_reduced_even_if_not_listed_as_personal(store_spec, demo_lead):
    spec = store_spec.model_copy(update={"privacy": PrivacySection(personal=[])})

    stored = redact(demo_lead("L1", email="jane@northwind.com"), spec)

    assert stored["email"] == "northwind.com"
    assert stored["country"] == "DE"  # the other fields as sent


def test_raw_personal_values_are_scrubbed_from_other_text(store_spec, demo_lead):
    lead = demo_lead("L1", email="jane@northwind.com", campaign="Mail JANE@northwind.com")

    stored = redact(lead, store_spec)

    assert stored["campaign"] == "Mail northwind.com"


def test_fields_the_spec_drops_are_not_stored(store_spec, demo_lead):
    lead = demo_lead("L1", owner_notes={"call": "Jane Doe, +49 170 1234567", "size": "x" * 10_000})

    assert "owner_notes" not in redact(lead, store_spec)


def test_scrub_walks_nested_values_and_spares_short_names_inside_words():
    replacements = {"jane@acme.com": "acme.com", "Li": REDACTED}
    reasons = [{"field": "email", "value": "jane@acme.com", "text": ["Linux fan jane@acme.com"]}]

    assert scrub(reasons, replacements) == [
        {"field": "email", "value": "acme.com", "text": ["Linux fan acme.com"]}
    ]
    assert scrub({"name": "Li"}, replacements) == {"name": REDACTED}

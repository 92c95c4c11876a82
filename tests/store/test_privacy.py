"""Redaction of personal data before a lead is stored."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from features.derived import TargetAccounts, is_free_mail
from features.spec import PrivacySection
from store import LeadStore, OutcomeIn
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


def test_the_id_and_creation_time_are_stored_as_sent_not_scrubbed_as_phones(store_spec, demo_lead):
    lead = demo_lead("1234567-890", created_at="2026-11-01T07:38:12.345678+00:00")

    stored = redact(lead, store_spec)

    assert stored["lead_id"] == "1234567-890"
    assert stored["created_at"] == "2026-11-01T07:38:12.345678+00:00"


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


# --- what the store writes ---------------------------------------------------------------

CONTACTS = "mail jane.doe@northwind.com or call +49 170 1234567"


def test_free_text_fields_are_stored_without_emails_or_phones(store, score_lead, store_spec):
    score_lead(
        "L1", datetime(2024, 3, 1, tzinfo=UTC), job_title=f"VP, {CONTACTS}", campaign=CONTACTS
    )

    fields = store.lead_history("L1").scores[0].fields

    assert fields["job_title"] == "VP, mail northwind.com or call [phone]"
    assert fields["campaign"] == "mail northwind.com or call [phone]"
    assert fields["lead_id"] == "L1"


def test_outcome_notes_and_reasons_are_stored_without_emails_or_phones(store, score_lead):
    score_lead("L1", datetime(2024, 3, 1, tzinfo=UTC))
    event = OutcomeIn(outcome="lost", reason=f"Wrong target, {CONTACTS}", note=CONTACTS)

    receipt = store.record_outcome("L1", event, client="crm", idempotency_key="k")
    stored = store.lead_history("L1").outcomes[0]

    for written in (receipt.note, stored.note, stored.reason):
        assert "jane.doe" not in written
        assert "1234567" not in written


R = REDACTED


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Spoke to Jane Doe, no budget", f"Spoke to {R} {R}, no budget"),
        ("spoke to JANE; doe family firm", f"spoke to {R}; {R} family firm"),
        ("jane.doe.L1 said no", f"{R}.{R}.{R} said no"),  # the email's part before the @
        ("Mr Zweistein-Ölberg called", f"Mr {R}-{R} called"),  # hyphen, non-ASCII letter
    ],
)
def test_outcome_notes_and_reasons_lose_the_leads_own_name(store, score_lead, text, stored):
    score_lead("L1", datetime(2024, 3, 1, tzinfo=UTC), full_name="Jane Zweistein-Ölberg Doe")
    event = OutcomeIn(outcome="lost", reason=text, note=text)

    receipt = store.record_outcome("L1", event, client="crm", idempotency_key="k")
    kept = store.lead_history("L1").outcomes[0]

    assert receipt.note == receipt.reason == kept.note == kept.reason == stored


def test_another_leads_name_is_left_in_a_note(store, score_lead):
    score_lead("L1", datetime(2024, 3, 1, tzinfo=UTC), full_name="Jane Doe")
    score_lead("L2", datetime(2024, 3, 1, tzinfo=UTC), full_name="Max Mustermann", email="mm@x.io")

    event = OutcomeIn(outcome="won", note="Max Mustermann referred Jane")
    stored = store.record_outcome("L2", event, client="crm", idempotency_key=None)

    assert stored.note == f"{REDACTED} {REDACTED} referred Jane"


def test_the_store_keeps_digests_of_personal_words_never_the_words(store, score_lead):
    score_lead("L1", datetime(2024, 3, 1, tzinfo=UTC), full_name="Jane Doe")

    with store.engine.connect() as conn:
        digests = [row[0] for row in conn.execute(text("SELECT digest FROM personal_words"))]

    assert len(digests) == len(set(digests)) >= 2
    assert not any(word in d for d in digests for word in ("jane", "doe", "1234567"))


def test_a_new_sqlite_store_and_its_log_are_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "private" / "leads.db"
    store = LeadStore(f"sqlite:///{path}")
    store.upgrade()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")

    modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.iterdir()}
    store.dispose()
    assert modes["leads.db"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_a_failed_statement_never_shows_its_values(store):
    with pytest.raises(SQLAlchemyError) as failed, store.engine.begin() as conn:
        conn.execute(text("INSERT INTO no_such_table VALUES (:secret)"), {"secret": "jane@x.io"})

    assert "jane@x.io" not in str(failed.value)

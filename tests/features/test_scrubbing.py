"""Contact details in free text: emails keep their domain, phones go, and the model cannot tell."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from features.scrubbing import PHONE, REDACTED, personal_digests, scrub_contacts, scrub_words
from features.spec import demo_spec
from features.transform import LeadTransformer
from training.demo_data import generate_leads


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Call Jane at +49 170 1234567", f"Call Jane at {PHONE}"),
        ("(555) 010-9999 after 5", f"{PHONE} after 5"),
        ("VP Sales (jane.doe@Acme.COM)", "VP Sales (acme.com)"),
        ("spring-2024-05-01", "spring-2024-05-01"),
        ("webinar 12/05/2024", "webinar 12/05/2024"),
        ("Q3 2024 webinar", "Q3 2024 webinar"),
        ("acme.com", "acme.com"),
    ],
)
def test_emails_keep_their_domain_and_phone_numbers_go(text, scrubbed):
    assert scrub_contacts(text) == scrubbed


_contact_text = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.emails().map(str),
        st.from_regex(r"\+?\d{1,3}[ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{4}", fullmatch=True),
    ),
    max_size=5,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_contact_text)
def test_scrubbing_is_idempotent_and_leaves_no_email(text):
    once = scrub_contacts(text)

    assert scrub_contacts(once) == once
    assert not any("@" in word and "." in word.split("@")[-1] for word in once.split())


@pytest.fixture(scope="module")
def fitted() -> LeadTransformer:
    leads = generate_leads(600, seed=3)
    # A campaign typed with a contact in it, often enough to become a category of its own.
    leads.loc[::3, "campaign"] = "Mail jane.doe@northwind.com or +1 555 0199 7731"
    return LeadTransformer(demo_spec(), min_frequency=5).fit(leads)


_texts = st.one_of(st.none(), _contact_text, st.sampled_from(["VP Marketing", "spring", "Acme"]))


@settings(max_examples=100, deadline=None)
@given(campaign=_texts, job_title=_texts, company=_texts)
@example(
    campaign="Mail jane.doe@northwind.com or +1 555 0199 7731",
    job_title="CTO, cto@globex.com",
    company="Call +49 170 1234567",
)
def test_the_transform_reads_scrubbed_text_exactly_as_the_text_sent(
    fitted, campaign, job_title, company
):
    sent = pd.DataFrame([{"campaign": campaign, "job_title": job_title, "company": company}])
    scrubbed = sent.map(lambda v: v if v is None else scrub_contacts(v))
    for frame in (sent, scrubbed):
        for name in demo_spec().feature_fields:
            if name not in frame:
                frame[name] = None

    np.testing.assert_array_equal(fitted.transform(sent), fitted.transform(scrubbed))


def test_the_words_of_personal_values_are_scrubbed_whatever_their_case():
    digests = personal_digests(["Jane O'Neil-Doe", "+49 30 1234567"], salt="L1")

    scrubbed = scrub_words("jane called; O'NEIL-doe: 1234567, Janet not", digests, "L1")

    # "O" is one letter: an initial stays, as a word of one letter is no one in particular.
    assert scrubbed == f"{REDACTED} called; O'{REDACTED}-{REDACTED}: {REDACTED}, Janet not"


def test_digests_are_salted_per_lead_and_never_hold_the_word():
    one, other = personal_digests(["Jane"], salt="L1"), personal_digests(["Jane"], salt="L2")

    assert one.isdisjoint(other)
    assert scrub_words("Jane", one, "L2") == "Jane"
    assert not any("jane" in d for d in one)


def test_an_initial_is_not_a_personal_word():
    assert personal_digests(["J. Doe"], salt="L1") == personal_digests(["Doe"], salt="L1")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), max_size=3), st.text(max_size=60))
def test_scrubbing_words_is_idempotent_and_leaves_none_of_them(values, text):
    digests = personal_digests(values, salt="L1")
    once = scrub_words(text, digests, "L1")

    assert scrub_words(once, digests, "L1") == once
    assert personal_digests([once.replace(REDACTED, " ")], salt="L1").isdisjoint(digests)

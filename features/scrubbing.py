"""Contact details found inside free text: emails keep their domain, phone numbers go.

A CRM's free-text fields (a job title, a company, a campaign name, a note from sales) can
hold an email address or a phone number typed by hand. No feature reads more of an email
than its domain, and none reads a phone number, so these are replaced wherever free text
is validated, stored or logged. Scrubbing is idempotent: scrubbed text scrubs to itself,
so a model trained on scrubbed text scores the same text again exactly alike.
"""

from __future__ import annotations

import re
from typing import Any

PHONE = "[phone]"
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Seven or more digits with the separators people type: +49 170 1234567, (555) 010-9999.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().\-/]{0,3}\d){6,}(?!\w)")
# Dates look like phone numbers to the pattern above; campaign names often carry one.
_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4}")


def scrub_contacts(text: str) -> str:
    """``text`` with each email reduced to its (lower-case) domain and phone numbers removed."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: m.group(1).lower(), text)
    if sum(c.isdigit() for c in text) >= 7:
        text = _PHONE.sub(_phone, text)
    return text


def _phone(match: re.Match[str]) -> str:
    return match.group(0) if _DATE.fullmatch(match.group(0)) else PHONE


def scrub_value(value: Any) -> Any:
    """:func:`scrub_contacts` on a string; anything else as it is."""
    return scrub_contacts(value) if isinstance(value, str) else value

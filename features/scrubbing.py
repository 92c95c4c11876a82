"""Personal data found inside free text: emails keep their domain, phones and names go.

A CRM's free-text fields (a job title, a company, a campaign name, a note from sales) can
hold an email address or a phone number typed by hand. No feature reads more of an email
than its domain, and none reads a phone number, so these are replaced wherever free text
is validated, stored or logged. Scrubbing is idempotent: scrubbed text scrubs to itself,
so a model trained on scrubbed text scores the same text again exactly alike.

Sales' notes and reasons arrive long after the lead, whose name, email and phone the store
never kept. To scrub the lead's own values from them all the same, the store keeps a
salted digest of each word of those values (:func:`personal_digests`), never the words,
and :func:`scrub_words` replaces each word of a note whose digest is among them. No
feature reads a note, so a note may lose more than the name (a word that is also a name).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from typing import Any

PHONE = "[phone]"
REDACTED = "[redacted]"
# Words of one character (an initial) are too common in notes to mean the lead.
_MIN_WORD = 2
_WORD = re.compile(r"\w+")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Seven or more digits with the separators people type: +49 170 1234567, (555) 010-9999.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().\-/]{0,3}\d){6,}(?!\w)")
_SEVEN_DIGITS = re.compile(r"\d(?:\D*\d){6}")
# Dates look like phone numbers to the pattern above; campaign names often carry one.
_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4}")


def scrub_contacts(text: str) -> str:
    """``text`` with each email reduced to its (lower-case) domain and phone numbers removed."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: m.group(1).lower(), text)
    if _SEVEN_DIGITS.search(text):  # the phone pattern needs seven; most text has none
        text = _PHONE.sub(_phone, text)
    return text


def _phone(match: re.Match[str]) -> str:
    return match.group(0) if _DATE.fullmatch(match.group(0)) else PHONE


def scrub_value(value: Any) -> Any:
    """:func:`scrub_contacts` on a string; anything else as it is."""
    return scrub_contacts(value) if isinstance(value, str) else value


def personal_digests(values: Iterable[str], salt: str) -> set[str]:
    """Salted digests of the words (two characters or more) of a lead's personal values.

    ``salt`` is the lead's id: the same word of two leads gives two digests. An email's
    domain is not personal (every feature reads it): pass only the part before the ``@``.
    """
    words = {w for value in values for w in _WORD.findall(value) if len(w) >= _MIN_WORD}
    return {word_digest(word, salt) for word in words}


def word_digest(word: str, salt: str) -> str:
    """The digest of one word, whatever its case."""
    return hashlib.sha256(f"{salt}\x00{word.casefold()}".encode()).hexdigest()[:32]


def scrub_words(text: str, digests: Collection[str], salt: str) -> str:
    """``text`` with each word whose digest (see :func:`personal_digests`) is in ``digests``
    replaced by ``[redacted]``."""
    if not digests:
        return text

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        return REDACTED if word_digest(word, salt) in digests else word

    return _WORD.sub(replace, text)

"""Derived lead features: what an email, a job title and a company name say about a lead.

Plain functions on one value each, so the transform, the privacy redaction of the lead
store and the explanations all read a field the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "proton.me",
        "protonmail.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "rediffmail.com",
    }
)

# "President" but not "Vice President" / "Vice-President".
_PRESIDENT = r"(?<!vice )(?<!vice-)president"

# Ordered from most to least senior; the first pattern that matches decides. The words
# describe a title in a reason sentence ("leads with director titles").
SENIORITY_LEVELS: tuple[tuple[int, str, str], ...] = (
    (
        5,
        "executive",
        r"\b(chief|ceo|cto|cfo|cmo|coo|cio|cro|founder|co-founder|owner"
        rf"|{_PRESIDENT}|managing director|general manager|partner)\b",
    ),
    (4, "vice-president", r"\b(vp|svp|evp|vice[- ]president|head of)\b"),
    (3, "director", r"\b(director|principal)\b"),
    (2, "manager", r"\b(manager|lead|supervisor|team lead)\b"),
    (
        1,
        "individual-contributor",
        r"\b(engineer|developer|analyst|specialist|associate"
        r"|coordinator|consultant|representative|executive|officer|assistant|designer"
        r"|administrator|accountant|scientist|architect|agent)\b",
    ),
    (0, "student or intern", r"\b(intern|student|trainee|apprentice|graduate)\b"),
)

FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("marketing", r"\b(marketing|cmo|growth|brand|demand gen|content|seo)\b"),
    ("sales", r"\b(sales|cro|account executive|business development|revenue)\b"),
    ("it", r"\b(it|cio|information technology|infrastructure|systems|security)\b"),
    ("engineering", r"\b(engineer|engineering|developer|cto|software|technology|data)\b"),
    ("finance", r"\b(finance|cfo|accounting|accountant|controller|treasury)\b"),
    ("operations", r"\b(operations|coo|ops|supply chain|logistics|procurement)\b"),
    ("hr", r"\b(hr|human resources|people|talent|recruit\w*)\b"),
    ("executive", rf"\b(ceo|founder|co-founder|owner|{_PRESIDENT}|managing director)\b"),
)

_SENIORITY = [(level, re.compile(p)) for level, _, p in SENIORITY_LEVELS]
_FUNCTIONS = [(name, re.compile(p)) for name, p in FUNCTIONS]
SENIORITY_WORDS = {level: words for level, words, _ in SENIORITY_LEVELS}


def email_domain(value: str | None) -> str | None:
    """The domain of an email address, lower-cased; a bare domain is returned as it is."""
    if value is None:
        return None
    text = str(value).strip().lower()
    domain = text.rsplit("@", 1)[-1].strip()
    return domain if "." in domain else None


def is_free_mail(domain: str | None) -> bool | None:
    """Whether a domain belongs to a free-mail provider; ``None`` when there is no domain."""
    return None if domain is None else domain in FREE_MAIL_DOMAINS


@lru_cache(maxsize=4096)
def title_seniority(title: str | None) -> int | None:
    """Seniority level 0–5 of a job title (see ``SENIORITY_LEVELS``), ``None`` if unknown."""
    if not title or not str(title).strip():
        return None
    text = str(title).lower()
    for level, pattern in _SENIORITY:
        if pattern.search(text):
            return level
    return None


@lru_cache(maxsize=4096)
def title_function(title: str | None) -> str | None:
    """Business function of a job title (marketing, sales, it, …), ``None`` if unknown."""
    if not title or not str(title).strip():
        return None
    text = str(title).lower()
    for name, pattern in _FUNCTIONS:
        if pattern.search(text):
            return name
    return "other"


@lru_cache(maxsize=4096)
def normalise_company(name: str | None) -> str | None:
    """Company name reduced for matching: lower case, no legal suffix or punctuation."""
    if name is None or not str(name).strip():
        return None
    text = re.sub(r"[^a-z0-9 ]+", " ", str(name).lower())
    text = re.sub(r"\b(inc|ltd|llc|gmbh|sa|sas|plc|corp|corporation|co|company|ag|bv)\b", " ", text)
    return " ".join(text.split()) or None


class TargetAccounts:
    """Membership test for the companies the business is going after."""

    def __init__(self, domains: Iterable[str] = (), names: Iterable[str] = ()) -> None:
        self.domains = frozenset(d.strip().lower() for d in domains)
        self.names = frozenset(n for n in map(normalise_company, names) if n)

    def __contains__(self, lead: tuple[str | None, str | None]) -> bool:
        """``(email_or_domain, company_name) in accounts``."""
        email, company = lead
        domain = email_domain(email)
        if domain is not None and domain in self.domains:
            return True
        if not self.names:
            return False
        name = normalise_company(company)
        return name is not None and name in self.names

    def __bool__(self) -> bool:
        return bool(self.domains or self.names)

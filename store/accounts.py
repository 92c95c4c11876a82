"""The target-account list: how far sales and marketing got with each named company.

The list is the spec's ``[target_accounts]``: each domain and each name is one account. A
lead belongs to an account when

1. its company name matches the account's name, ignoring case, punctuation and legal
   suffixes (Inc, Ltd, LLC, GmbH, SA, PLC, Corp, AG, BV, ...): "Globex, Inc." is
   "globex"; an account listed by domain is named after the domain's first label
   ("umbrella-corp.com" is "umbrella", as is "Umbrella Corp"); or else
2. its email domain (the part of the email the store keeps) is one of the listed domains,
   which is how a lead with an empty company field is found.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from features.derived import email_domain, normalise_company
from features.spec import LeadSpec
from store.lead_facts import LeadFacts, LeadFilter, lead_facts
from store.models import Grade
from store.store import LeadStore


class AccountRow(BaseModel):
    """One target account and its leads (all time, or as filtered)."""

    account: str = Field(description="as listed in the spec: a domain or a company name")
    leads: int
    best_grade: Grade | None = Field(description="the best first grade of its leads")
    accepted: int
    opportunities: int
    won: int
    last_activity_at: datetime | None = Field(
        description="the latest arrival of, or report from sales on, any of its leads"
    )


class TargetAccounts(BaseModel):
    """Coverage of the shared target-account list."""

    accounts: int
    reached: int = Field(description="accounts with at least one lead")
    coverage: float | None = Field(description="reached out of all accounts")
    rows: list[AccountRow] = Field(description="reached accounts, most leads first")
    not_reached: list[str] = Field(description="accounts with no lead yet, in list order")


class AccountMatcher:
    """Which target account, if any, a lead's company and email domain belong to."""

    def __init__(self, domains: list[str], names: list[str]) -> None:
        self.accounts = [*domains, *names]
        self._by_domain = {d.strip().lower(): d for d in domains}
        self._by_name: dict[str, str] = {}
        for account in self.accounts:
            key = normalise_company(_first_label(account) if account in domains else account)
            if key:
                self._by_name.setdefault(key, account)

    @classmethod
    def from_spec(cls, spec: LeadSpec) -> AccountMatcher:
        return cls(list(spec.target_accounts.domains), list(spec.target_accounts.names))

    def match(self, company: Any, email: Any) -> str | None:
        """The account of a lead with this company name and email (or bare domain)."""
        name = normalise_company(None if company is None else str(company))
        if name is not None and name in self._by_name:
            return self._by_name[name]
        domain = email_domain(None if email is None else str(email))
        return None if domain is None else self._by_domain.get(domain)


def _first_label(domain: str) -> str:
    return domain.strip().lower().split(".", 1)[0]


def target_accounts(
    store: LeadStore,
    spec: LeadSpec,
    keep: LeadFilter | None = None,
    campaign_field: str = "campaign",
) -> TargetAccounts:
    """Each target account's leads, best grade, stages and last activity; and those not reached."""
    matcher = AccountMatcher.from_spec(spec)
    company, email = spec.features.company, spec.features.email
    found: defaultdict[str, list[LeadFacts]] = defaultdict(list)
    for lead in lead_facts(store, keep, campaign_field):
        account = matcher.match(
            lead.fields.get(company) if company else None, lead.fields.get(email) if email else None
        )
        if account is not None:
            found[account].append(lead)
    rows = sorted(
        (_row(a, leads) for a, leads in found.items()), key=lambda r: (-r.leads, r.account)
    )
    total = len(matcher.accounts)
    return TargetAccounts(
        accounts=total,
        reached=len(rows),
        coverage=len(rows) / total if total else None,
        rows=rows,
        not_reached=[a for a in matcher.accounts if a not in found],
    )


def _row(account: str, leads: list[LeadFacts]) -> AccountRow:
    return AccountRow(
        account=account,
        leads=len(leads),
        best_grade=min(lead.grade for lead in leads),
        accepted=sum(1 for lead in leads if lead.accepted),
        opportunities=sum(1 for lead in leads if lead.opportunity),
        won=sum(1 for lead in leads if lead.won),
        last_activity_at=max(lead.last_activity_at for lead in leads),
    )

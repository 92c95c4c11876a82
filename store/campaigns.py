"""What each campaign should change, read from why its leads were lost; where to double down.

A campaign's loss reasons are compared with those of all other campaigns by a one-sided
two-proportion z-test: a reason is flagged when the campaign has at least
``MIN_REASONED_LOSSES`` losses with a reason, at least ``MIN_REASON_COUNT`` of them for
this reason, and its share of the campaign's losses is above the other campaigns' share
with z >= ``Z_FLAG`` (about p < 0.005, strict because many campaigns and reasons are
tested at once). Each reason calls for a different change (``CHANGES``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from pydantic import BaseModel, Field

from features.reasons import DESCRIPTIONS, RE_ENGAGE_LATER, CanonicalReason
from store.lead_facts import LeadFacts, LeadFilter, campaign_of, lead_facts
from store.store import LeadStore

MIN_REASONED_LOSSES = 10
MIN_REASON_COUNT = 5
Z_FLAG = 2.58
MIN_LEADS_TO_DOUBLE_DOWN = 30
Z_WIN = 1.96  # one campaign's win rate against the rest: one test per campaign
METHOD = (
    f"A loss reason is flagged for a campaign with at least {MIN_REASONED_LOSSES} losses "
    f"with a reason, {MIN_REASON_COUNT} or more of them for this reason, whose share is "
    f"above that of all other campaigns by a one-sided two-proportion z-test, z >= {Z_FLAG}. "
    f"Double down: at least {MIN_LEADS_TO_DOUBLE_DOWN} leads, an A/B share above the "
    f"average and a win rate above the other campaigns' by the same test, z >= {Z_WIN}."
)
R = CanonicalReason
CHANGES: dict[str, tuple[str, str]] = {
    R.WRONG_TARGET: ("targeting and list quality", "Aim the campaign at companies that fit."),
    R.NOT_DECISION_MAKER: (
        "targeting and list quality",
        "Reach people who decide: target senior titles, not only whoever signs up.",
    ),
    R.NO_NEED: (
        "message and value proposition",
        "Lead with the pain the product solves; these leads saw no problem to solve today.",
    ),
    R.BAD_TIMING: (
        "cultivation program",
        "Keep in touch until a project is funded: hand these leads to the re-engage track.",
    ),
    R.NO_BUDGET: ("budget qualification", "Qualify budget earlier or offer a smaller start."),
    R.UNREACHABLE: ("data quality", "Collect a work email and phone that reach a person."),
    R.COMPETITOR: ("competitive positioning", "Say why you, not the competitor, earlier on."),
    R.INVALID: ("form hygiene", "Filter test entries and duplicates at the form."),
    R.OTHER: ("sales feedback", "Ask sales for the reason: too many losses fit no category."),
}


class ReEngagement(BaseModel):
    """The campaign's leads on the re-engage-later track and when they come due."""

    on_track: int
    due_now: int = Field(description="re-engage day today or earlier")
    due_next_30_days: int
    next_due: date | None = Field(description="the next re-engage day still ahead")


class CampaignChange(BaseModel):
    campaign: str
    change: str = Field(description="what to change: targeting, message, cultivation, ...")
    advice: str
    reason: str = Field(description="the canonical loss reason behind it")
    reason_words: str
    losses: int = Field(description="the campaign's losses with a reason")
    reason_count: int
    share: float = Field(description="this reason's share of the campaign's losses")
    others_share: float = Field(description="its share of all other campaigns' losses")
    z: float
    re_engagement: ReEngagement | None = None


class DoubleDown(BaseModel):
    campaign: str
    leads: int
    win_rate: float
    share_a_or_b: float


class CampaignAdvice(BaseModel):
    method: str
    average_win_rate: float | None
    average_share_a_or_b: float | None
    changes: list[CampaignChange]
    double_down: list[DoubleDown]


def campaign_advice(
    store: LeadStore,
    *,
    keep: LeadFilter | None = None,
    campaign_field: str = "campaign",
    today: date | None = None,
) -> CampaignAdvice:
    """The changes each campaign's loss reasons call for, strongest evidence first."""
    by_campaign: defaultdict[str, list[LeadFacts]] = defaultdict(list)
    for lead in lead_facts(store, keep, campaign_field):
        name = campaign_of(lead, campaign_field)
        if name is not None:
            by_campaign[name].append(lead)
    reasons = {name: _reasons(leads) for name, leads in by_campaign.items()}
    today = today or date.today()
    changes = [
        _with_re_engagement(change, by_campaign[change.campaign], today)
        for name in sorted(reasons)
        for change in _flags(name, reasons)
    ]
    all_leads = [lead for leads in by_campaign.values() for lead in leads]
    win, share = _win_rate(all_leads), _share_a_or_b(all_leads)
    return CampaignAdvice(
        method=METHOD,
        average_win_rate=win,
        average_share_a_or_b=share,
        changes=sorted(changes, key=lambda c: -c.z),
        double_down=_double_down(by_campaign, win, share),
    )


def _reasons(leads: list[LeadFacts]) -> Counter[str]:
    return Counter(lead.loss_reason for lead in leads if lead.lost and lead.loss_reason)


def _flags(name: str, reasons: dict[str, Counter[str]]) -> list[CampaignChange]:
    mine = reasons[name]
    n1 = sum(mine.values())
    others: Counter[str] = Counter()
    for other, counts in reasons.items():
        if other != name:
            others.update(counts)
    n2 = sum(others.values())
    if n1 < MIN_REASONED_LOSSES or n2 == 0:
        return []
    found = []
    for reason, k1 in mine.items():
        z = _z(k1, n1, others[reason], n2)
        if k1 >= MIN_REASON_COUNT and z >= Z_FLAG:
            change, advice = CHANGES.get(reason, CHANGES[R.OTHER])
            found.append(
                CampaignChange(
                    campaign=name,
                    change=change,
                    advice=advice,
                    reason=reason,
                    reason_words=DESCRIPTIONS.get(R(reason), reason),
                    losses=n1,
                    reason_count=k1,
                    share=k1 / n1,
                    others_share=others[reason] / n2,
                    z=round(z, 2),
                )
            )
    return found


def _z(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-proportion z statistic with the pooled share (0 where it is undefined)."""
    pooled = (k1 + k2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 0.0 if spread == 0 else (k1 / n1 - k2 / n2) / spread


def _with_re_engagement(
    change: CampaignChange, leads: list[LeadFacts], today: date
) -> CampaignChange:
    if change.reason != R.BAD_TIMING:
        return change
    days = [
        lead.re_engage_on for lead in leads if lead.track == RE_ENGAGE_LATER and lead.re_engage_on
    ]
    ahead = [d for d in days if d > today]
    change.re_engagement = ReEngagement(
        on_track=len(days),
        due_now=sum(1 for d in days if d <= today),
        due_next_30_days=sum(1 for d in ahead if (d - today).days <= 30),
        next_due=min(ahead, default=None),
    )
    return change


def _won_and_worked(leads: list[LeadFacts]) -> tuple[int, int]:
    won = sum(1 for lead in leads if lead.won)
    return won, won + sum(1 for lead in leads if lead.lost)


def _win_rate(leads: list[LeadFacts]) -> float | None:
    won, worked = _won_and_worked(leads)
    return won / worked if worked else None


def _share_a_or_b(leads: list[LeadFacts]) -> float | None:
    return sum(1 for lead in leads if lead.good_grade) / len(leads) if leads else None


def _double_down(
    by_campaign: dict[str, list[LeadFacts]], win: float | None, share: float | None
) -> list[DoubleDown]:
    """Campaigns with enough leads whose win rate and A/B share both beat the average."""
    if win is None or share is None:
        return []
    worked = {name: _won_and_worked(leads) for name, leads in by_campaign.items()}
    total_won, total_worked = (sum(v[i] for v in worked.values()) for i in (0, 1))
    found = []
    for name, leads in sorted(by_campaign.items()):
        (won, n), good = worked[name], _share_a_or_b(leads)
        rest = total_worked - n
        if len(leads) < MIN_LEADS_TO_DOUBLE_DOWN or not n or not rest or good is None:
            continue
        if good > share and _z(won, n, total_won - won, rest) >= Z_WIN:
            rate = won / n
            found.append(
                DoubleDown(campaign=name, leads=len(leads), win_rate=rate, share_a_or_b=good)
            )
    return sorted(found, key=lambda d: -d.win_rate)

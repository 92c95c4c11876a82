"""The demo world: who the demo leads are and how each attribute moves their odds.

The tables behind ``training.demo_data`` (shares, fit and intent effects, the words each
value is written with) and the random draws it makes from them. Change a number here and
the demo data's true drivers change with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from training.demo_vocabulary import JUNK_EMAILS

ObjArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]

BASE = -3.3  # sets the win rate among closed leads to about 20 %

# industry: (share, fit, company-name suffixes)
INDUSTRIES = {
    "Software": (0.20, 1.0, "Software|Labs|Systems|Cloud|Data"),
    "Financial Services": (0.13, 0.7, "Capital|Financial|Bank|Insurance"),
    "Healthcare": (0.12, 0.35, "Health|Medical|Care|Pharma"),
    "Manufacturing": (0.14, 0.1, "Industries|Manufacturing|Components|Works"),
    "Logistics": (0.10, 0.0, "Logistics|Freight|Shipping|Transport"),
    "Retail": (0.13, -0.35, "Retail|Stores|Brands|Outfitters"),
    "Education": (0.10, -1.1, "Academy|Learning|Schools|Institute"),
    "Non-profit": (0.08, -1.3, "Foundation|Trust|Alliance|Council"),
}
# country (no effect on conversion): (share, web top-level domain, phone prefix)
COUNTRIES = {
    "United States": (0.36, "com", "+1"),
    "United Kingdom": (0.14, "co.uk", "+44"),
    "Germany": (0.12, "de", "+49"),
    "France": (0.08, "fr", "+33"),
    "Canada": (0.08, "ca", "+1"),
    "Netherlands": (0.06, "nl", "+31"),
    "Australia": (0.06, "com.au", "+61"),
    "India": (0.10, "in", "+91"),
}
# lead source: (share, intent, shift of the hidden engagement, campaigns)
SOURCES = {
    "Web form": (0.20, 0.35, 0.2, "Website - Pricing page|Website - Contact us"),
    "Paid search": (0.17, -0.25, -0.1, "Google Ads - Brand|Google Ads - Generic"),
    "Webinar": (0.10, 0.0, 0.2, "Webinar: Lead Scoring 101|Webinar: Pipeline Health"),
    "Referral": (0.07, 1.0, 0.3, ""),
    "Trade show": (0.08, 0.1, 0.0, "SaaStr Annual|Web Summit"),
    "Cold list": (0.16, -1.1, -0.6, "Outbound - ICP list"),
    "Partner": (0.07, 0.6, 0.1, "Partner program"),
    "Content download": (0.15, -0.25, 0.0, "Ebook: State of B2B Sales"),
}
# seniority level: (share, fit, title templates where {f} is a business function)
LEVELS = [
    (0.08, 1.1, "CEO|Founder & CEO|Co-Founder|Owner|Managing Director|Chief Technology Officer"
     "|Chief Marketing Officer|Chief Revenue Officer|Chief Operating Officer"),
    (0.10, 1.1, "VP {f}|Vice President of {f}|VP, {f}|SVP {f}|Head of {f}"),
    (0.14, 0.7, "Director of {f}|{f} Director|Senior Director, {f}"),
    (0.25, 0.1, "{f} Manager|Senior {f} Manager|{f} Team Lead"),
    (0.30, -0.6, "{f} Specialist|{f} Analyst|{f} Coordinator|Software Engineer|Consultant"
     "|Account Executive|Developer|{f} Assistant"),
    (0.13, -1.9, "Intern|Student|{f} Intern|Working Student|{f} Trainee|Apprentice"),
]  # fmt: skip
FUNCTIONS = ["Marketing", "Sales", "IT", "Operations", "Finance", "HR", "Engineering", "Growth"]
TITLES = [
    "|".join(sorted({t.format(f=f) for t in s.split("|") for f in FUNCTIONS})) for *_, s in LEVELS
]
REASONS = [
    "Wrong target", "No decision power", "No real need", "Not the right moment",
    "No budget", "Never reached", "Went with a competitor",
]  # fmt: skip


def column(table: Mapping[str, tuple[Any, ...]], i: int) -> dict[str, Any]:
    return {key: row[i] for key, row in table.items()}


def pick(rng: np.random.Generator, options: list[str], n: int) -> ObjArray:
    out: ObjArray = np.asarray(options, dtype=object)[rng.integers(0, len(options), size=n)]
    return out


def draw(rng: np.random.Generator, shares: Mapping[str, float], n: int) -> ObjArray:
    """``n`` keys of ``shares``, each drawn with its share as probability."""
    p = np.fromiter(shares.values(), dtype=float)
    out: ObjArray = np.asarray(list(shares), dtype=object)[rng.choice(len(p), n, p=p / p.sum())]
    return out


def pick_by(
    rng: np.random.Generator, keys: npt.NDArray[Any], options: Mapping[Any, str]
) -> ObjArray:
    """For each key one of its ``|``-separated options; empty where a key has none."""
    out = np.full(len(keys), "", dtype=object)
    for key, choices in options.items():
        mask = keys == key
        out[mask] = pick(rng, choices.split("|"), int(mask.sum()))
    return out


def sales_rating(rng: np.random.Generator, status: ObjArray, reason: ObjArray) -> pd.Series:
    """1–5 once sales spoke to the lead: it reveals the outcome (leakage on purpose)."""
    n = len(status)
    won = rng.choice([3, 4, 5], size=n, p=[0.1, 0.4, 0.5])
    lost = rng.choice([1, 2, 3, 4], size=n, p=[0.3, 0.4, 0.25, 0.05])
    rating = pd.Series(np.where(status == "won", won, np.where(status == "lost", lost, 1)))
    return rating.astype("Int64").mask((status == "open") | (reason == "Never reached"))


def spoil(rng: np.random.Generator, df: pd.DataFrame, junk: BoolArray) -> pd.DataFrame:
    """Junk leads: half are test submissions, half re-submit another lead's details."""
    out = df.copy()
    identity = ["email", "full_name", "phone", "company", "job_title"]
    rows = np.flatnonzero(junk)
    dup = rows[rng.random(len(rows)) < 0.5]
    out.loc[dup, identity] = df.loc[rng.integers(0, len(df), size=len(dup)), identity].to_numpy()
    test = np.setdiff1d(rows, dup)
    out.loc[test, "email"] = pick(rng, JUNK_EMAILS, len(test))
    out.loc[test, "full_name"] = pick(rng, ["Test Test", "asdf asdf", "xxx"], len(test))
    out.loc[test, ["company", "job_title"]] = None
    return out

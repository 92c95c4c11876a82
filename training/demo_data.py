"""Realistic, synthetic B2B leads with a known generative process, for demos and tests.

Every lead is drawn independently (``numpy.random.default_rng(seed)``, fully vectorised):

1. **Who** — a country, an industry, a heavy-tailed head count (8 % missing), a company
   (4 % from the spec's target accounts, large and named after their domain), a person
   whose job title has one of six seniority levels, and an email that is a company
   address, a role address (``info@``) or a free-mail address (likelier for small
   companies and juniors; their company is then often left blank).
2. **What they did** — a lead source and its campaign, then a hidden engagement level
   that drives pages viewed, email clicks, days since the last activity, a demo request
   and webinar attendance (so these signals are correlated, as in real data).
3. **Whether they buy** — ``logit = base + fit + intent + timing`` with
   *fit* = industry + head count (best around 800) + title seniority + email kind
   (free-mail −1.3, role address −0.5) + target account (+1.2);
   *intent* = 1.8·demo + 0.7·log(1+pages) + 0.2·log(1+clicks) − 0.15·log(1+days)
   + 0.3·webinar + lead source; *timing* ~ N(0, 0.8²) is never observed. The noise keeps
   a good model's AUC near 0.85 (never near 1). A closed lead is won with probability
   ``sigmoid(logit)``: about one in five.
4. **What sales recorded** — leads created in the last ~6 weeks are mostly still open
   (3 % are open earlier; ~10 % overall). 3 % are junk (test submissions, or duplicates
   of another lead) and are "disqualified" with "Duplicate / invalid". A lost lead's
   reason is drawn in proportion to how badly each driver failed: a poor industry or size
   fit → "Wrong target", a junior title → "No decision power", low intent → "No real
   need", bad timing → "Not the right moment"; besides these, "No budget" (small firms),
   "Never reached" (free-mail or role address that never clicked) and "Went with a
   competitor" (keen buyers shop around). ``sales_rating`` (1–5) is set only once sales
   spoke to the lead and reveals the outcome: leakage on purpose. Names, phones and
   owner notes are decoration.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from features.spec import demo_spec
from training import demo_world as world
from training.demo_drift import drifting_logit
from training.demo_vocabulary import FIRST_NAMES, LAST_NAMES, NOTES, PREFIXES

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

TRUE_DRIVERS: dict[str, str] = {
    "job_title": "seniority: executives, VPs and directors buy; interns and students do not",
    "demo_requested": "a demo request is the strongest single sign of intent",
    "industry": "software and financial services fit well; education and non-profits do not",
    "employees": "companies of roughly 100–10,000 people fit; tiny ones rarely buy",
    "email": "free-mail addresses convert far less often than company addresses",
    "pages_viewed": "more pages viewed, more intent (log scale)",
    "lead_source": "referrals and partners convert best, cold lists worst",
}

WINDOW_MONTHS = 18
DEFAULT_START = datetime(2025, 5, 1)  # so that the 18 months end on 2026-10-31
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")
INVALID_REASON = "Duplicate / invalid"
COLUMNS = [
    "lead_id", "created_at", "email", "full_name", "phone", "company", "job_title",
    "industry", "employees", "country", "lead_source", "campaign", "pages_viewed",
    "email_clicks", "days_since_last_activity", "demo_requested", "webinar_attended",
    "status", "loss_reason", "sales_rating", "owner_notes",
]  # fmt: skip


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _text(values: npt.NDArray[Any] | pd.Series) -> pd.Series:
    return pd.Series(values, dtype=str)


def _created_at(
    rng: np.random.Generator, n: int, begin: pd.Timestamp, end: pd.Timestamp
) -> pd.Series:
    """Uniform over the window, in order, to the second."""
    seconds = np.sort(rng.integers(0, int((end - begin).total_seconds()), size=n))
    return pd.Series(begin + pd.to_timedelta(seconds, unit="s")).dt.as_unit("s")


def _firmographics(rng: np.random.Generator, n: int, targets: list[str]) -> pd.DataFrame:
    """Country, industry, company, log10 head count, and whether it is a target account."""
    industry = world.draw(rng, world.column(world.INDUSTRIES, 0), n)
    suffix = world.pick_by(rng, industry, world.column(world.INDUSTRIES, 2))
    target = rng.random(n) < (0.04 if targets else 0.0)
    domain = world.pick(rng, targets or [""], n)
    # a target account is named after its domain: "umbrella-corp.com" is "Umbrella Corp"
    name = _text(domain).str.split(".").str[0].str.replace("-", " ").str.title()
    log_emp = np.where(target, rng.normal(4.0, 0.4, n), rng.normal(2.0, 0.8, n))
    return pd.DataFrame(
        {
            "country": world.draw(rng, world.column(world.COUNTRIES, 0), n),
            "industry": industry,
            "company": np.where(target, name, world.pick(rng, PREFIXES, n) + " " + suffix),
            "log_emp": np.clip(log_emp, 0.0, 5.4),
            "target": target,
            "domain": np.where(target, domain, ""),
        }
    )


def _people(rng: np.random.Generator, country: pd.Series) -> pd.DataFrame:
    """Names, phones, seniority levels and free-text job titles (some lower-case or missing)."""
    n = len(country)
    level = rng.choice(len(world.LEVELS), size=n, p=[lv[0] for lv in world.LEVELS])
    title = _text(world.pick_by(rng, level, dict(enumerate(world.TITLES))))
    title = title.where(rng.random(n) > 0.08, title.str.lower())
    digits = _text(rng.integers(2_000_000_000, 9_999_999_999, size=n).astype(str))
    number = digits.str.replace(r"(...)(...)", r" \1 \2 ", regex=True)
    phone = country.map(world.column(world.COUNTRIES, 2)) + number
    return pd.DataFrame(
        {
            "first": world.pick(rng, FIRST_NAMES, n),
            "last": world.pick(rng, LAST_NAMES, n),
            "level": level,
            "job_title": title.where(rng.random(n) > 0.03),
            "phone": phone.where(rng.random(n) > 0.15),
        }
    )


def _emails(rng: np.random.Generator, df: pd.DataFrame) -> pd.DataFrame:
    """Company, role (``info@``) or free-mail addresses; free-mail is likelier for small firms."""
    n = len(df)
    p_free = _sigmoid(-1.0 - 0.7 * (df["log_emp"].to_numpy() - 2) + 1.2 * (df["level"] == 5))
    free = ~df["target"].to_numpy() & (rng.random(n) < p_free)
    role = ~free & (rng.random(n) < 0.04)
    first, last = (
        df[c].str.lower().str.replace("[^a-z]", "", regex=True) for c in ("first", "last")
    )
    local = _text(
        np.choose(rng.integers(0, 3, size=n), [first + "." + last, first.str[0] + last, first])
    )
    local = local.mask(free, first + last + _text(rng.integers(1, 99, size=n).astype(str)))
    local = local.mask(role, _text(world.pick(rng, ["info", "sales", "contact", "office"], n)))
    tld = df["country"].map(world.column(world.COUNTRIES, 1)).where(rng.random(n) < 0.4, "com")
    domain = df["company"].str.lower().str.replace("[^a-z0-9]", "", regex=True) + "." + tld
    domain = domain.mask(df["target"], df["domain"]).mask(
        free, _text(world.pick(rng, list(FREE_MAIL), n))
    )
    return pd.DataFrame(
        {
            "email": local + "@" + domain,
            "full_name": df["first"] + " " + df["last"],
            # people who sign up with free-mail often leave the company blank
            "company": df["company"].where(~free | (rng.random(n) < 0.6)),
            "free": free,
            "role": role,
        }
    )


def _engagement(rng: np.random.Generator, age_days: FloatArray) -> pd.DataFrame:
    """Lead source, campaign and activity (capped at the lead's age) from hidden engagement."""
    n = len(age_days)
    source = world.draw(rng, world.column(world.SOURCES, 0), n)
    eng = rng.normal(0.0, 1.0, n) + _text(source).map(world.column(world.SOURCES, 2)).to_numpy(
        dtype=float
    )
    campaign = _text(world.pick_by(rng, source, world.column(world.SOURCES, 3)))
    days = np.minimum(np.round(rng.exponential(np.exp(2.5 - 0.4 * eng))), np.minimum(age_days, 365))
    p_webinar = np.where(source == "Webinar", 0.65, _sigmoid(-2.8 + 0.5 * eng))
    return pd.DataFrame(
        {
            "lead_source": source,
            "campaign": campaign.where((campaign != "") & (rng.random(n) > 0.1)),
            "pages_viewed": rng.poisson(np.exp(1.2 + 0.6 * eng)),
            "email_clicks": rng.poisson(np.exp(-0.2 + 0.6 * eng)),
            "days_since_last_activity": days.astype(np.int64),
            "demo_requested": rng.random(n) < _sigmoid(-1.7 + 1.1 * eng),
            "webinar_attended": rng.random(n) < p_webinar,
        }
    )


def _drivers(df: pd.DataFrame, timing: FloatArray) -> dict[str, FloatArray]:
    """The parts of the conversion logit, one per family of loss reasons."""
    col = {c: df[c].to_numpy(dtype=float) for c in df.columns if df[c].dtype.kind in "biuf"}
    size = np.maximum(1.1 - 0.6 * (col["log_emp"] - 2.9) ** 2, -2.2)
    industry = df["industry"].map(world.column(world.INDUSTRIES, 1)).to_numpy(dtype=float)
    source = df["lead_source"].map(world.column(world.SOURCES, 1)).to_numpy(dtype=float)
    intent = (
        1.8 * col["demo_requested"]
        + 0.7 * np.log1p(col["pages_viewed"])
        + 0.2 * np.log1p(col["email_clicks"])
        - 0.15 * np.log1p(col["days_since_last_activity"])
        + 0.3 * col["webinar_attended"]
        + source
    )
    return {
        "target": industry + size + 1.2 * col["target"],
        "seniority": np.array([lv[1] for lv in world.LEVELS])[df["level"].to_numpy()],
        "email": -1.3 * col["free"] - 0.5 * col["role"],
        "intent": intent,
        "timing": timing,
    }


def _status(
    rng: np.random.Generator, logit: FloatArray, age: FloatArray, junk: BoolArray
) -> ObjArray:
    """Won or lost by the logit; open for most recent leads; disqualified for junk."""
    n = len(logit)
    status = np.where(rng.random(n) < _sigmoid(logit), "won", "lost").astype(object)
    status[rng.random(n) < 0.03 + 0.92 * _sigmoid((45.0 - age) / 6.0)] = "open"
    status[junk] = "disqualified"
    return status


def _loss_reasons(
    rng: np.random.Generator, parts: dict[str, FloatArray], df: pd.DataFrame
) -> ObjArray:
    """A reason for every lead, drawn in proportion to how badly each driver failed."""

    def deficit(x: FloatArray) -> FloatArray:
        return np.asarray(np.exp(-1.3 * (x - x.mean()) / max(x.std(), 1e-9)), dtype=np.float64)

    unreachable = ((df["free"] | df["role"]) & (df["email_clicks"] == 0)).to_numpy()
    weights = np.column_stack(
        [
            deficit(parts["target"]),
            deficit(parts["seniority"]),
            deficit(parts["intent"]),
            deficit(parts["timing"]),
            0.6 * np.exp(-0.6 * (df["log_emp"].to_numpy() - 2.0)),  # no budget: small firms
            0.5 + 1.5 * unreachable,
            0.4 * np.exp(0.5 * parts["intent"]),  # competitor: keen buyers shop around
        ]
    )
    cum = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    index = np.minimum((rng.random(len(df))[:, None] > cum).sum(axis=1), len(world.REASONS) - 1)
    out: ObjArray = np.asarray(world.REASONS, dtype=object)[index]
    return out


def generate_leads(
    rows: int = 5000, seed: int = 7, start: datetime | None = None, *, drift: bool = False
) -> pd.DataFrame:
    """Draw ``rows`` demo leads over the 18 months from ``start`` (default: up to 2026-10-31).

    With ``drift`` the win rate rises from about 10 % to about 35 % over the months
    (``training.demo_drift``).
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    begin = pd.Timestamp(start or DEFAULT_START)
    end = begin + pd.DateOffset(months=WINDOW_MONTHS)
    created = _created_at(rng, rows, begin, end)
    age = ((end - created).dt.total_seconds() / 86_400).to_numpy()
    df = _firmographics(rng, rows, demo_spec().target_accounts.domains)
    df = df.join(_people(rng, df["country"]))
    df = df.drop(columns="company").join(_emails(rng, df))
    df = df.join(_engagement(rng, np.floor(age)))
    parts = _drivers(df, rng.normal(0.0, 0.8, rows))
    junk = rng.random(rows) < 0.03
    logit = world.BASE + np.sum(list(parts.values()), axis=0)
    if drift:
        logit = drifting_logit(logit, 1.0 - age / age.max())
    status = _status(rng, logit, age, junk)
    reason = np.where(status == "lost", _loss_reasons(rng, parts, df), "")
    reason[junk] = INVALID_REASON
    employees = pd.Series(np.round(10 ** df["log_emp"])).astype("Int64")
    notes = world.pick_by(rng, np.where(status == "lost", reason, status), NOTES)
    return world.spoil(rng, df, junk).assign(
        lead_id=[f"L{i:06d}" for i in range(1, rows + 1)],
        created_at=created,
        employees=employees.mask(rng.random(rows) < 0.08),
        status=status,
        loss_reason=_text(reason).mask(reason == ""),
        sales_rating=world.sales_rating(rng, status, reason),
        owner_notes=_text(notes).mask(notes == ""),
    )[COLUMNS]


def write_demo_data(path: Path, rows: int = 5000, seed: int = 7, *, drift: bool = False) -> Path:
    """Write demo leads to CSV (booleans as true/false, ISO 8601 times) or to ``.parquet``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = generate_leads(rows=rows, seed=seed, drift=drift)
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        flags = {True: "true", False: "false"}
        df = df.assign(**{c: df[c].map(flags) for c in ("demo_requested", "webinar_attended")})
        df.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    return path

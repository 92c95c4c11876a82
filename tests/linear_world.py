"""A synthetic lead world whose log-odds are a plain sum of per-field effects.

A one-hot logistic regression has exactly its shape, and with a few thousand leads spread
over many categories boosted trees cannot catch up: the logistic model wins on validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.spec import LeadSpec

SPEC_TEXT = """
name = "linear-world"

[lead]
id = "lead_id"
created_at = "created_at"

[outcome]
column = "status"
won = ["won"]
lost = ["lost"]

[features]
categorical = ["region", "channel", "plan", "segment"]
numeric = ["seats", "visits"]
"""
LEVELS = {"region": 12, "channel": 8, "plan": 6, "segment": 24}


def linear_spec() -> LeadSpec:
    return LeadSpec.parse(SPEC_TEXT)


def linear_leads(rows: int = 3000, seed: int = 6) -> pd.DataFrame:
    """Leads over a year; won with probability sigmoid(sum of field effects)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"lead_id": [f"W-{i}" for i in range(rows)]})
    start = np.datetime64("2025-01-01")
    frame["created_at"] = np.sort(start + rng.integers(0, 365 * 24, rows).astype("timedelta64[h]"))
    log_odds = np.full(rows, -1.3)
    for field, levels in LEVELS.items():
        effects = rng.normal(0.0, 0.7, levels)
        codes = rng.integers(0, levels, rows)
        frame[field] = [f"{field}-{c}" for c in codes]
        log_odds += effects[codes]
    frame["seats"] = rng.integers(1, 200, rows)
    frame["visits"] = rng.poisson(5, rows)
    log_odds += 0.012 * (frame["seats"] - 100) + 0.25 * (frame["visits"] - 5)
    won = rng.random(rows) < 1.0 / (1.0 + np.exp(-log_odds))
    frame["status"] = np.where(won, "won", "lost")
    frame["created_at"] = frame["created_at"].astype(str)
    return frame

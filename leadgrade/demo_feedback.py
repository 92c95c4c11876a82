"""Replay the demo data's outcomes through a running API, as a CRM would send them.

Leads not yet in the store are scored first (in batches), then each closed lead's outcome
is posted with an idempotency key derived from its id. A second run finds every lead
scored and every outcome already stored, so it stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from features.errors import LeadgradeError
from features.spec import LeadSpec

BATCH = 500
WORKERS = 8
KEY_PREFIX = "demo-feedback:"


class ReplayFailed(LeadgradeError):
    """The API refused or failed a request the replay needs."""

    code = "replay_failed"


@dataclass
class Replay:
    """What a replay did: leads read, newly scored, outcomes newly stored or replayed."""

    leads: int = 0
    scored: int = 0
    already_scored: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {"stored": 0, "replayed": 0})

    def __str__(self) -> str:
        return (
            f"{self.leads} demo leads: {self.scored} scored now, {self.already_scored} already "
            f"in the store; outcomes: {self.outcomes['stored']} stored, "
            f"{self.outcomes['replayed']} already stored"
        )


def demo_records(path: Path, spec: LeadSpec, limit: int | None) -> list[dict[str, Any]]:
    """The export's rows (first ``limit``) as JSON-ready dicts; missing values are None."""
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        frame = frame if limit is None else frame.head(limit)
    else:
        frame = pd.read_csv(path, nrows=limit)
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def lead_payload(record: Mapping[str, Any], spec: LeadSpec) -> dict[str, Any]:
    """What the CRM knows when a lead arrives: id, creation time, features, dropped fields."""
    known = [spec.lead.id, spec.lead.created_at, *spec.feature_fields, *spec.features.drop]
    return {name: record[name] for name in known if name and name in record}


def outcome_payload(record: Mapping[str, Any], spec: LeadSpec) -> dict[str, Any] | None:
    """The outcome report for a closed lead (None while it is open)."""
    status = record.get(spec.outcome.column)
    if status in spec.outcome.won:
        outcome = "won"
    elif status in spec.outcome.lost:
        outcome = "disqualified" if "disqualif" in str(status).lower() else "lost"
    else:
        return None
    reason = record.get(spec.feedback.reason) if spec.feedback.reason else None
    rating = record.get(spec.feedback.rating) if spec.feedback.rating else None
    return {
        "outcome": outcome,
        "reason": None if reason is None else str(reason),
        "rating": None if rating is None else int(rating),
    }


def replay(
    client: httpx.Client,
    records: list[dict[str, Any]],
    spec: LeadSpec,
    progress: Callable[[str], None] = lambda _: None,
) -> Replay:
    """Score the leads the store lacks, then post every closed lead's outcome (idempotent)."""
    done = Replay(leads=len(records))
    with ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            _score_new(client, pool, batch, spec, done)
            closed = [(str(r[spec.lead.id]), outcome_payload(r, spec)) for r in batch]
            posts = [(lead_id, body) for lead_id, body in closed if body is not None]
            for result in pool.map(lambda post: _post_outcome(client, *post), posts):
                done.outcomes[result] += 1
            progress(f"{start + len(batch)}/{len(records)} leads replayed")
    return done


def _score_new(
    client: httpx.Client,
    pool: ThreadPoolExecutor,
    batch: list[dict[str, Any]],
    spec: LeadSpec,
    done: Replay,
) -> None:
    """Score, in one request, the leads of the batch that the store does not have yet."""
    stored = pool.map(lambda r: _is_stored(client, str(r[spec.lead.id])), batch)
    new = [lead_payload(r, spec) for r, known in zip(batch, stored, strict=True) if not known]
    if new:
        _check(client.post("/v1/leads/score/batch", json=new), "scoring leads")
    done.scored += len(new)
    done.already_scored += len(batch) - len(new)


def _is_stored(client: httpx.Client, lead_id: str) -> bool:
    response = client.get(f"/v1/leads/{quote(lead_id, safe='')}")
    if response.status_code == 404:
        return False
    _check(response, f"looking up lead {lead_id}")
    return True


def _post_outcome(client: httpx.Client, lead_id: str, body: dict[str, Any]) -> str:
    headers = {"Idempotency-Key": f"{KEY_PREFIX}{lead_id}"}
    path = f"/v1/leads/{quote(lead_id, safe='')}/outcome"
    response = client.post(path, json=body, headers=headers)
    _check(response, f"posting the outcome of lead {lead_id}")
    return "replayed" if response.json()["replayed"] else "stored"


def _check(response: httpx.Response, doing: str) -> None:
    if response.is_success:
        return
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:200]
    raise ReplayFailed(f"{doing} failed: HTTP {response.status_code}: {message}")


def _plain(value: Any) -> Any:
    """A pandas cell as JSON: NA → None, numpy → Python, times → ISO text, 3.0 → 3."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

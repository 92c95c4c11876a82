"""Replay the demo data's feedback through a running API, as a CRM would send it.

The demo clock: the demo leads are history (created over 18 months), so the leads not yet
in the store are scored as a backfill (``POST /v1/leads/score/batch?backfill=true``, in
batches): each is stored as scored when it was created, which is when sales was told and
when its follow-up deadline starts. Then each lead's first score is read back from the API
and its stages and outcome are posted with the times the demo timeline draws from that
score (:mod:`training.demo_timeline`: from its first score's time, grade and route, and its
ending), each with an idempotency key derived from the lead id and the event. No time is
later than a day after the newest lead, nor than now. A second run finds every lead scored
and every event already stored, so it stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from features.errors import LeadgradeError
from features.spec import LeadSpec
from training.demo_timeline import FeedbackEvent, timeline

BATCH = 500
BATCH_PATH = "/v1/leads/score/batch"
WORKERS = 8
KEY_PREFIX = "demo-feedback:"


@dataclass(frozen=True)
class FirstScore:
    """A lead's first score as the API has it: what sales was told, and when."""

    grade: str
    queue: str
    scored_at: datetime


class ReplayFailed(LeadgradeError):
    """The API refused or failed a request the replay needs."""

    code = "replay_failed"


@dataclass
class Replay:
    """What a replay did: leads read, newly scored, events newly stored or replayed."""

    leads: int = 0
    scored: int = 0
    already_scored: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {"stored": 0, "replayed": 0})

    def __str__(self) -> str:
        return (
            f"{self.leads} demo leads: {self.scored} scored now, {self.already_scored} already "
            f"in the store; stages and outcomes: {self.outcomes['stored']} stored, "
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
    """The outcome report for a closed lead, without its time (None while it is open)."""
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


def feedback_posts(
    record: Mapping[str, Any], spec: LeadSpec, first: FirstScore, as_of: datetime
) -> list[dict[str, Any]]:
    """The stages and outcome to post for one lead, oldest first, each with its time."""
    closed = outcome_payload(record, spec)
    events = timeline(
        str(record[spec.lead.id]),
        first.scored_at,
        first.grade,
        None if closed is None else closed["outcome"],
        None if closed is None else closed["reason"],
        to_sales=first.queue == "sales",
        as_of=as_of,
    )
    return [_body(event, closed) for event in events]


def _body(event: FeedbackEvent, closed: dict[str, Any] | None) -> dict[str, Any]:
    at = event.occurred_at.isoformat()
    if closed is not None and event.event == closed["outcome"]:
        return {**closed, "occurred_at": at}
    return {"outcome": event.event, "occurred_at": at}


def replay_as_of(records: list[dict[str, Any]], spec: LeadSpec) -> datetime:
    """No demo event is later than a day after the newest lead (nor later than now)."""
    times = [t for t in (_created(r, spec) for r in records) if t is not None]
    now = datetime.now(UTC) - timedelta(minutes=1)
    return min(max(times) + timedelta(days=1), now) if times else now


def _created(record: Mapping[str, Any], spec: LeadSpec) -> datetime | None:
    value = record.get(spec.lead.created_at) if spec.lead.created_at else None
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def replay(
    client: httpx.Client,
    records: list[dict[str, Any]],
    spec: LeadSpec,
    progress: Callable[[str], None] = lambda _: None,
) -> Replay:
    """Score the leads the store lacks, then post every lead's stages and outcome (idempotent)."""
    done = Replay(leads=len(records))
    as_of = replay_as_of(records, spec)
    with ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            firsts = _first_scores(client, pool, batch, spec, done)
            posts = [
                (str(r[spec.lead.id]), body)
                for r, first in zip(batch, firsts, strict=True)
                for body in feedback_posts(r, spec, first, as_of)
            ]
            for result in pool.map(lambda post: _post_feedback(client, *post), posts):
                done.outcomes[result] += 1
            progress(f"{start + len(batch)}/{len(records)} leads replayed")
    return done


def _first_scores(
    client: httpx.Client,
    pool: ThreadPoolExecutor,
    batch: list[dict[str, Any]],
    spec: LeadSpec,
    done: Replay,
) -> list[FirstScore]:
    """Backfill, in one request, the leads the store lacks; every lead's first score."""
    ids = [str(r[spec.lead.id]) for r in batch]
    stored = list(pool.map(lambda lead_id: _first_score(client, lead_id), ids))
    new = [lead_payload(r, spec) for r, known in zip(batch, stored, strict=True) if known is None]
    if new:
        response = client.post(BATCH_PATH, params={"backfill": "true"}, json=new)
        _check(response, "scoring leads")
        stored = list(pool.map(lambda i, s: s or _first_score(client, i), ids, stored))
    done.scored += len(new)
    done.already_scored += len(batch) - len(new)
    return [_scored(first, lead_id) for first, lead_id in zip(stored, ids, strict=True)]


def _scored(first: FirstScore | None, lead_id: str) -> FirstScore:
    if first is None:
        raise ReplayFailed(f"lead {lead_id} was scored but the API does not find it")
    return first


def _first_score(client: httpx.Client, lead_id: str) -> FirstScore | None:
    """A stored lead's first score (its grade, queue and time); None if it was never scored."""
    response = client.get(f"/v1/leads/{quote(lead_id, safe='')}")
    if response.status_code == 404:
        return None
    _check(response, f"looking up lead {lead_id}")
    lead = response.json()
    first = lead["scores"][-1]  # newest first; a demo lead is scored once
    scored_at = datetime.fromisoformat(lead["first_scored_at"])
    return FirstScore(first["grade"], first["route"]["queue"], scored_at)


def _post_feedback(client: httpx.Client, lead_id: str, body: dict[str, Any]) -> str:
    headers = {"Idempotency-Key": f"{KEY_PREFIX}{lead_id}:{body['outcome']}"}
    path = f"/v1/leads/{quote(lead_id, safe='')}/outcome"
    response = client.post(path, json=body, headers=headers)
    _check(response, f"posting the {body['outcome']} of lead {lead_id}")
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

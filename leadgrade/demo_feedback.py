"""Replay the demo data's feedback through a running API, as a CRM would send it.

Leads not yet in the store are scored first (in batches), each with its own creation
time. Then each lead's stages and outcome are posted with the times the demo timeline
draws for it (:mod:`training.demo_timeline`: from its creation, its first grade and its
ending), each with an idempotency key derived from the lead id and the event. A second
run finds every lead scored and every event already stored, so it stores nothing new.
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
WORKERS = 8
KEY_PREFIX = "demo-feedback:"
# (grade, queue) of a lead's first score: what sales was told.
FirstRoute = tuple[str, str]


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
    record: Mapping[str, Any], spec: LeadSpec, first: FirstRoute, as_of: datetime
) -> list[dict[str, Any]]:
    """The stages and outcome to post for one lead, oldest first, each with its time."""
    closed = outcome_payload(record, spec)
    events = timeline(
        str(record[spec.lead.id]),
        _created(record, spec) or as_of,
        first[0],
        None if closed is None else closed["outcome"],
        None if closed is None else closed["reason"],
        to_sales=first[1] == "sales",
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
            routes = _score_new(client, pool, batch, spec, done)
            posts = [
                (str(r[spec.lead.id]), body)
                for r, first in zip(batch, routes, strict=True)
                for body in feedback_posts(r, spec, first, as_of)
            ]
            for result in pool.map(lambda post: _post_feedback(client, *post), posts):
                done.outcomes[result] += 1
            progress(f"{start + len(batch)}/{len(records)} leads replayed")
    return done


def _score_new(
    client: httpx.Client,
    pool: ThreadPoolExecutor,
    batch: list[dict[str, Any]],
    spec: LeadSpec,
    done: Replay,
) -> list[FirstRoute]:
    """Score, in one request, the leads the store lacks; every lead's first grade and queue."""
    stored = list(pool.map(lambda r: _first_route(client, str(r[spec.lead.id])), batch))
    new = [lead_payload(r, spec) for r, known in zip(batch, stored, strict=True) if known is None]
    scored: list[dict[str, Any]] = []
    if new:
        response = client.post("/v1/leads/score/batch", json=new)
        _check(response, "scoring leads")
        scored = response.json()["scores"]
    done.scored += len(new)
    done.already_scored += len(batch) - len(new)
    fresh = iter((s["grade"], s["route"]["queue"]) for s in scored)
    return [known if known is not None else next(fresh) for known in stored]


def _first_route(client: httpx.Client, lead_id: str) -> FirstRoute | None:
    """The grade and queue of a stored lead's first score; None if it was never scored."""
    response = client.get(f"/v1/leads/{quote(lead_id, safe='')}")
    if response.status_code == 404:
        return None
    _check(response, f"looking up lead {lead_id}")
    first = response.json()["scores"][-1]  # newest first
    return first["grade"], first["route"]["queue"]


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

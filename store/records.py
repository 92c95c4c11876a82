"""From what serving hands the store to the rows it writes, and back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from pydantic import ValidationError

from features.errors import DataError
from features.reasons import CanonicalReason, canonical_reason
from features.scrubbing import scrub_contacts, scrub_words
from features.spec import LeadSpec
from store.models import OutcomeIn, OutcomeReceipt, ScoreResult, as_utc
from store.privacy import lead_digests, personal_values, redact, scrub


def jsonable(value: Any) -> Any:
    """``value`` made safe for a JSON column: NaN → null, dates → ISO text, numpy → Python."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if not pd.api.types.is_scalar(value):
        return jsonable(list(value)) if hasattr(value, "__iter__") else str(value)
    if pd.isna(value):  # pandas' NA and NaT (which passes for a datetime)
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return jsonable(float(value))
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return str(value)


def score_rows(
    spec: LeadSpec,
    leads: Sequence[Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
    *,
    client: str,
    scored_at: Sequence[dt.datetime],
) -> list[dict[str, Any]]:
    """Validated, redacted ``scores`` rows, one per lead (scored at ``scored_at[i]``), in order.

    Each row holds its follow-up deadline: the score's time plus its route's hours, the one
    place the deadline is computed (the reports read it, see :mod:`store.queries`).
    """
    if len(leads) != len(results):
        raise DataError(f"got {len(leads)} leads but {len(results)} score results")
    return [
        _score_row(spec, i, lead, result, client=client, scored_at=at)
        for i, (lead, result, at) in enumerate(zip(leads, results, scored_at, strict=True))
    ]


def backfill_times(
    spec: LeadSpec, leads: Sequence[Mapping[str, Any]], now: dt.datetime
) -> list[dt.datetime]:
    """When each lead of a backfill counts as scored: its creation time, but never after now."""
    name = spec.lead.created_at
    times = [_instant(name, lead.get(name)) if name else None for lead in leads]
    return [now if at is None else min(at, now) for at in times]


def _score_row(
    spec: LeadSpec,
    index: int,
    lead: Mapping[str, Any],
    raw_result: Mapping[str, Any],
    *,
    client: str,
    scored_at: dt.datetime,
) -> dict[str, Any]:
    result = _valid_result(spec, index, lead, raw_result)
    personal = personal_values(lead, spec)  # once: for the fields and for the reasons
    hours = result.route.follow_up_within_hours
    reasons = None if result.reasons is None else jsonable(result.reasons)
    return {
        "lead_id": result.lead_id,
        "scored_at": scored_at,
        "client": client,
        "fields": jsonable(redact(lead, spec, personal)),
        "score": result.score,
        "probability": result.probability,
        "grade": result.grade,
        "route": result.route.model_dump(mode="json"),
        "queue": result.route.queue,
        "follow_up_due_at": None if hours is None else scored_at + dt.timedelta(hours=hours),
        # Explanations quote field values, so they are scrubbed like the fields themselves.
        "reasons": scrub(reasons, personal),
        "model_name": result.model.name,
        "model_version": result.model.version,
        "model_run_id": result.model.run_id,
    }


def _valid_result(
    spec: LeadSpec, index: int, lead: Mapping[str, Any], raw_result: Mapping[str, Any]
) -> ScoreResult:
    try:
        result = ScoreResult.model_validate(raw_result)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataError(f"score result {index}: {where}: {first['msg']}", field=where) from exc
    sent_id = lead.get(spec.lead.id)
    if sent_id is not None and str(sent_id) != result.lead_id:
        raise DataError(
            f"score result {index} is for lead {result.lead_id!r} but lead {index} is {sent_id!r}"
        )
    return result


def personal_word_rows(
    spec: LeadSpec, leads: Sequence[Mapping[str, Any]], results: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """``personal_words`` rows: the digests of each lead's personal words, salted by its id."""
    rows = []
    for lead, result in zip(leads, results, strict=True):
        lead_id = str(result["lead_id"])
        rows += [{"lead_id": lead_id, "digest": d} for d in lead_digests(lead, spec, lead_id)]
    return rows


def created_times(
    spec: LeadSpec, leads: Sequence[Mapping[str, Any]], results: Sequence[Mapping[str, Any]]
) -> dict[str, dt.datetime | None]:
    """Each lead's creation time as the CRM sent it (``spec.lead.created_at``), in UTC.

    Keyed by the scored lead id; None where the spec has no such field or it was not sent.
    """
    name = spec.lead.created_at
    found: dict[str, dt.datetime | None] = {}
    for lead, result in zip(leads, results, strict=True):
        found.setdefault(str(result["lead_id"]), _instant(name, lead.get(name) if name else None))
    return found


def _instant(name: str | None, value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return None if value is None else as_utc(value)
    try:
        return as_utc(dt.datetime.fromisoformat(str(value)))
    except ValueError as exc:
        raise DataError(f"{name}: {value!r} is not an ISO date and time", field=name) from exc


def body_hash(lead_id: str, event: OutcomeIn) -> str:
    """A digest of the request as sent: the same retry gives the same hash."""
    body = {"lead_id": lead_id, **event.model_dump(mode="json")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def outcome_row(
    lead_id: str,
    event: OutcomeIn,
    *,
    client: str,
    idempotency_key: str | None,
    reason_mapping: Mapping[str, CanonicalReason] | None,
    recorded_at: dt.datetime,
    personal_words: Collection[str] = (),
) -> dict[str, Any]:
    """The ``outcomes`` row for a report from sales.

    The canonical reason explains a loss, so a won lead or a stage keeps its reason text but
    gets none. An event without ``occurred_at`` is taken to have happened when it was
    recorded. ``personal_words`` are the digests of the lead's personal words (see
    :func:`personal_word_rows`), scrubbed from the reason and the note.
    """

    def scrubbed(text: str | None) -> str | None:
        # Sales' free text may quote the lead's name, an email or a phone number.
        # Contacts first: a word scrubbed out of an email would leave the rest of it.
        return None if text is None else scrub_words(scrub_contacts(text), personal_words, lead_id)

    canonical = None
    if event.outcome in ("lost", "disqualified"):
        found = canonical_reason(event.reason, reason_mapping)
        canonical = None if found is None else found.value
    return {
        "lead_id": lead_id,
        "outcome": event.outcome,
        "reason": scrubbed(event.reason),
        "canonical_reason": canonical,
        "rating": event.rating,
        "note": scrubbed(event.note),
        "occurred_at": event.occurred_at or recorded_at,
        "recorded_at": recorded_at,
        "client": client,
        "idempotency_key": idempotency_key,
        "body_hash": body_hash(lead_id, event),
    }


def receipt(event_id: int, row: Mapping[str, Any], *, replayed: bool) -> OutcomeReceipt:
    """What the caller of ``record_outcome`` gets back."""
    fields = {k: row[k] for k in OutcomeReceipt.model_fields if k in row}
    return OutcomeReceipt.model_validate({**fields, "event_id": event_id, "replayed": replayed})

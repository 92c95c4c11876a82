"""The lead store behind the API, as plain functions: scores in, outcomes in, a lead out.

A store failure is never silent: it becomes :class:`StoreUnavailable` (503) and the request
fails as a whole, so a score is returned only once it is stored and an outcome is
acknowledged only once it is committed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager

import anyio.to_thread
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from features.reasons import CanonicalReason
from serving.errors import InvalidRequest, StoreUnavailable
from serving.model_source import ModelSource
from serving.schemas import ReasonOut
from serving.settings import ServeSettings
from store import LeadHistory, LeadStore, OutcomeIn, OutcomeReceipt, OutcomeRecord
from store import ledger as store_ledger
from store.erasure import ErasureReceipt
from store.errors import StoreUnwritable
from store.health import StoreHealth, StoreProbe, describe
from store.models import ScoreRecord
from store.store import VERSION_TABLE

log = logging.getLogger("leadgrade.store")


def open_store(settings: ServeSettings) -> LeadStore:
    """The configured lead store, its migrations applied first if ``migrate_on_start``.

    A store that cannot be migrated stops the service at start-up rather than failing
    every request later, and so does an empty store where one existed before (see
    :mod:`store.ledger`).
    """
    shown = settings.shown_database_url
    store = store_ledger.open_store(
        settings,
        migrate=settings.migrate_on_start,
        batch_records=settings.write_batch_records,
        batch_wait=settings.write_batch_wait_ms / 1000,
    )
    if settings.migrate_on_start:
        log.info("lead store %s migrated", shown)
    log.info("storing scored leads and outcomes in %s", shown)
    return store


def start_probe(store: LeadStore, interval: float) -> StoreProbe:
    """Probe the store now and then every ``interval`` s; stale for 3 missed probes.

    The first probe runs before this returns, so that ``/ready`` knows the store's state
    as soon as the service starts taking requests (not "not checked yet").
    """
    store.health.max_age = 3 * interval
    probe = StoreProbe(store.engine, VERSION_TABLE, store.health, interval)
    probe.probe_once()
    probe.start()
    return probe


@contextmanager
def store_errors(doing: str, consequence: str, health: StoreHealth | None = None) -> Iterator[None]:
    """Turn a database failure into a 503 that says what did not happen; log the cause.

    With ``health`` (writes), the outcome also tells readiness whether the store works.
    """
    try:
        yield
    except (SQLAlchemyError, StoreUnwritable) as exc:
        log.error("the lead store failed while %s: %s", doing, describe(exc))
        if health is not None:
            health.record(False, "write", describe(exc))
        raise StoreUnavailable(
            f"the lead store failed while {doing}, so {consequence}; retry later",
            error=type(exc).__name__,
        ) from exc
    if health is not None:
        health.record(True, "write")


@contextmanager
def invalid_cursor() -> Iterator[None]:
    """A cursor this answer did not hand out is a 422 naming ``cursor``."""
    try:
        yield
    except ValueError as exc:
        raise InvalidRequest(f"cursor: {exc}", field="cursor") from exc


async def stored(written: Future[None], health: StoreHealth) -> None:
    """Wait, without holding the event loop, until the scores handed to the writer commit."""
    with store_errors(_STORING, _NOT_STORED, health):
        await asyncio.wrap_future(written)


_STORING = "storing the scores"
_NOT_STORED = "no score was returned and none was stored"


def reason_mapping(source: ModelSource) -> Mapping[str, CanonicalReason] | None:
    """The served model's picklist → canonical reasons; None while no model is loaded.

    Without a mapping, canonical names and common wordings are still recognised (see
    :func:`features.reasons.canonical_reason`); any other reason is kept and counted "other".
    """
    return source.current.loaded.scorer.spec.feedback.reasons if source.ready else None


def record_outcome(
    store: LeadStore,
    source: ModelSource,
    lead_id: str,
    event: OutcomeIn,
    *,
    client: str,
    idempotency_key: str | None,
) -> OutcomeReceipt:
    """Store what sales reported about a lead (once per client and idempotency key)."""
    with store_errors("recording the outcome", "it was not stored", store.health):
        return store.record_outcome(
            lead_id,
            event,
            client=client,
            idempotency_key=idempotency_key,
            reason_mapping=reason_mapping(source),
        )


class LeadOut(LeadHistory):
    """A lead's history (newest first) with what is in force now pulled to the top."""

    latest_score: ScoreRecord = Field(description="the newest score: the grade and route now")
    latest_reasons: list[ReasonOut] | None = Field(
        description="reasons of the newest score that was explained (?explain=true)"
    )
    latest_outcome: OutcomeRecord | None = Field(
        description="the outcome that counts: the latest to have happened"
    )


def lead_view(
    store: LeadStore, lead_id: str, *, limit: int | None = None, cursor: str | None = None
) -> LeadOut:
    """A page of what the store knows about a lead; 404 (lead_not_found) if never scored."""
    with invalid_cursor(), store_errors("reading the lead", "it cannot be shown"):
        history = store.lead_history(lead_id, limit=limit, cursor=cursor)
    explained = history.newest_explained
    return LeadOut(
        **history.model_dump(),
        newest_score=history.newest_score,
        newest_explained=explained,
        latest_score=history.newest_score,
        latest_reasons=None if explained is None else explained.reasons,
        latest_outcome=history.outcomes[0] if history.outcomes else None,
    )


def erase_lead(store: LeadStore, lead_id: str, *, client: str) -> ErasureReceipt:
    """Erase the lead's personal data; 404 (lead_not_found) if the store never had it."""
    with store_errors("erasing the lead", "nothing was erased"):
        receipt = store.erase(lead_id, requested_by=client)
    log.info("erased the personal data of a lead at the request of %s", client)
    return receipt


async def keep_retention(store: LeadStore, days: int, every_seconds: float = 3600.0) -> None:
    """Erase, now and then every hour, the personal data of leads older than ``days``."""
    while True:
        try:
            erased = await anyio.to_thread.run_sync(
                functools.partial(store.erase_older_than, days, requested_by="retention")
            )
            if erased:
                log.info("retention: erased the personal data of %d leads", erased)
        except SQLAlchemyError:
            log.exception("retention: erasing old leads failed; trying again in an hour")
        await asyncio.sleep(every_seconds)

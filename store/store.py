"""The lead store: every lead as it was scored, and what sales said about it afterwards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

# Imported here, not in upgrade(): the service opens the store in one thread while MLflow
# loads the model in another, and MLflow imports alembic too; two threads importing alembic
# at once can see it half-initialised (ImportError, a start-up that fails now and then).
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, RowMapping, and_, or_, select, text
from sqlalchemy.exc import IntegrityError

from features.reasons import CanonicalReason
from features.spec import LeadSpec
from store import events, records, writes
from store.engine import (
    StoreTimeouts,
    create_store_engine,
    read_transaction,
    write_transaction,
)
from store.erasure import ErasureReceipt, erase_lead, erase_older_than
from store.errors import IdempotencyConflict, LeadNotFound
from store.health import StoreHealth
from store.models import (
    LeadHistory,
    OutcomeIn,
    OutcomeReceipt,
    OutcomeRecord,
    ScoreRecord,
    as_utc,
    read_score_cursor,
    score_cursor,
)
from store.schema import Lead, OutcomeEvent, Score
from store.writer import GroupWriter

MIGRATIONS = "store:migrations"
VERSION_TABLE = "leadgrade_store_version"
# Any constant will do: it only has to be the same for every process migrating this store.
_MIGRATION_LOCK_ID = 0x1EAD_6AADE


class LeadStore:
    """Scored leads and their outcomes in SQLite (``sqlite:///path``) or PostgreSQL.

    Writes go through the process's one :class:`~store.writer.GroupWriter`: the writes of
    concurrent calls share a transaction, each in its own savepoint, and a method returns
    only after that transaction has committed: what it acknowledges is durable (on SQLite
    too, see :mod:`.engine`). ``batch_records`` and ``batch_wait`` (seconds) bound a shared
    transaction.
    """

    def __init__(
        self,
        url: str,
        timeouts: StoreTimeouts | None = None,
        *,
        batch_records: int = 1000,
        batch_wait: float = 0.0,
    ) -> None:
        self._engine = create_store_engine(url, timeouts)
        self._writer = GroupWriter(self._engine, max_records=batch_records, max_wait=batch_wait)
        # What the latest write or probe found; readiness reads it (see store.health).
        self.health = StoreHealth()
        # Webhook target URL → the event types it wants; set by serving when configured.
        self.webhook_targets: dict[str, frozenset[str]] = {}

    @property
    def engine(self) -> Engine:
        return self._engine

    def dispose(self) -> None:
        """Write what is queued, then close every pooled connection (tests and shutdown)."""
        self._writer.close()
        self._engine.dispose()

    def upgrade(self) -> None:
        """Create or migrate the tables to the latest version (``alembic upgrade head``)."""
        config = AlembicConfig()
        config.set_main_option("script_location", MIGRATIONS)
        with write_transaction(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                # Replicas starting together would otherwise race to create the tables.
                lock = text("SELECT pg_advisory_xact_lock(:id)")
                conn.execute(lock, {"id": _MIGRATION_LOCK_ID})
            config.attributes["connection"] = conn
            alembic_command.upgrade(config, "head")

    def erase(self, lead_id: str, *, requested_by: str) -> ErasureReceipt:
        """Erase the lead's personal data (see :mod:`store.erasure`)."""
        return erase_lead(self._engine, lead_id, requested_by=requested_by)

    def erase_older_than(self, days: int, *, requested_by: str) -> int:
        """Erase the personal data of every lead first scored more than ``days`` ago."""
        cutoff = _now() - timedelta(days=days)
        return erase_older_than(self._engine, cutoff, requested_by=requested_by)

    def record_scores(
        self,
        spec: LeadSpec,
        leads: Sequence[Mapping[str, Any]],
        results: Sequence[Mapping[str, Any]],
        *,
        client: str,
        scored_at: datetime | None = None,
        backfill: bool = False,
    ) -> None:
        """Append one score per lead, its fields redacted (see :func:`privacy.redact`).

        ``results[i]`` is the score response for ``leads[i]``. The batch is all stored or
        none (one savepoint), and this returns once it is committed.

        The scores are stored as made at ``scored_at`` (default: now). With ``backfill``,
        each lead is stored as scored when it was created instead (its ``created_at``, or
        ``scored_at`` when it has none or a later one): history, loaded after the fact, such
        as the demo replay. Its follow-up deadline then runs from that time, and it raises
        no webhook event (it is not news to push to sales).
        """
        self.submit_scores(
            spec, leads, results, client=client, scored_at=scored_at, backfill=backfill
        ).result()

    def submit_scores(
        self,
        spec: LeadSpec,
        leads: Sequence[Mapping[str, Any]],
        results: Sequence[Mapping[str, Any]],
        *,
        client: str,
        scored_at: datetime | None = None,
        backfill: bool = False,
    ) -> Future[None]:
        """:meth:`record_scores` without waiting: the future resolves once committed.

        Invalid results raise here, before anything is queued.
        """
        at = _now() if scored_at is None else as_utc(scored_at)
        times = records.backfill_times(spec, leads, at) if backfill else [at] * len(leads)
        rows = records.score_rows(spec, leads, results, client=client, scored_at=times)
        if not rows:
            done: Future[None] = Future()
            done.set_result(None)
            return done
        item = writes.ScoreItem(
            rows=rows,
            created=records.created_times(spec, leads, results),
            events=[] if backfill else events.routed_rows(rows, self.webhook_targets),
            personal_words=records.personal_word_rows(spec, leads, results),
        )
        return self._writer.submit(writes.write_scores, item, size=len(rows))

    def record_outcome(
        self,
        lead_id: str,
        event: OutcomeIn,
        *,
        client: str,
        idempotency_key: str | None,
        reason_mapping: Mapping[str, CanonicalReason] | None = None,
    ) -> OutcomeReceipt:
        """Store what sales reported, once per ``(client, idempotency_key)``.

        A retry with the same key and body returns the first receipt (``replayed=True``)
        and stores nothing; the same key with another body raises
        :class:`IdempotencyConflict`. Without a key, every call stores a new event.
        """
        with read_transaction(self._engine) as conn:
            words = writes.personal_words(conn, lead_id) if event.reason or event.note else set()
        row = records.outcome_row(
            lead_id,
            event,
            client=client,
            idempotency_key=idempotency_key,
            reason_mapping=reason_mapping,
            recorded_at=_now(),
            personal_words=words,
        )
        try:
            event_id = self._writer.write(writes.write_outcomes, row)
        except IntegrityError:
            # The unique (client, key) constraint, not a prior read, decides who was first:
            # a concurrent duplicate waits for the winner's commit and then fails here.
            first = None if idempotency_key is None else self._replay(client, idempotency_key, row)
            if first is None:
                raise
            return first
        return records.receipt(event_id, row, replayed=False)

    def _replay(self, client: str, key: str, row: Mapping[str, Any]) -> OutcomeReceipt | None:
        """The receipt of the event first stored under this key, if the body matches."""
        with read_transaction(self._engine) as conn:
            stored = (
                conn.execute(
                    select(OutcomeEvent).where(
                        OutcomeEvent.client == client, OutcomeEvent.idempotency_key == key
                    )
                )
                .mappings()
                .first()
            )
        if stored is None:
            return None
        if stored["body_hash"] != row["body_hash"]:
            raise IdempotencyConflict(key, event_id=stored["id"])
        return records.receipt(stored["id"], dict(stored), replayed=True)

    def lead_history(
        self, lead_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> LeadHistory:
        """Scores newest first (``limit`` of them after ``cursor``, with the cursor of the next
        page), the newest score and the newest explained one, and every outcome event."""
        after = None if cursor is None else read_score_cursor(cursor)
        with read_transaction(self._engine) as conn:
            lead = conn.execute(select(Lead).where(Lead.lead_id == lead_id)).mappings().first()
            if lead is None:
                raise LeadNotFound(lead_id, "it has no history")
            newest = (Score.scored_at.desc(), Score.id.desc())
            query = select(Score).where(Score.lead_id == lead_id).order_by(*newest)
            if after is not None:
                at, score_id = after
                query = query.where(
                    or_(Score.scored_at < at, and_(Score.scored_at == at, Score.id < score_id))
                )
            page = [
                _score_record(s)
                for s in conn.execute(query.limit(None if limit is None else limit + 1)).mappings()
            ]
            more = limit is not None and len(page) > limit
            page = page[:limit] if limit is not None else page
            latest = conn.execute(_newest(lead_id)).mappings()
            explained = conn.execute(
                select(Score)
                .where(Score.lead_id == lead_id, Score.reasons.is_not(None))
                .order_by(*newest)
                .limit(1)
            ).mappings()
            outcomes = conn.execute(
                select(OutcomeEvent)
                .where(OutcomeEvent.lead_id == lead_id)
                .order_by(
                    OutcomeEvent.occurred_at.desc(),
                    OutcomeEvent.recorded_at.desc(),
                    OutcomeEvent.id.desc(),
                )
            ).mappings()
            return LeadHistory(
                lead_id=lead_id,
                first_scored_at=lead["first_scored_at"],
                scores=page,
                outcomes=[_outcome_record(o) for o in outcomes],
                newest_score=_score_record(next(iter(latest))),
                newest_explained=next((_score_record(e) for e in explained), None),
                next_cursor=score_cursor(page[-1]) if more else None,
            )


def _newest(lead_id: str) -> Any:
    return (
        select(Score)
        .where(Score.lead_id == lead_id)
        .order_by(Score.scored_at.desc(), Score.id.desc())
        .limit(1)
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _score_record(row: RowMapping) -> ScoreRecord:
    model = {
        "name": row["model_name"],
        "version": row["model_version"],
        "run_id": row["model_run_id"],
    }
    return ScoreRecord.model_validate({**row, "score_id": row["id"], "model": model})


def _outcome_record(row: RowMapping) -> OutcomeRecord:
    return OutcomeRecord.model_validate(
        {**row, "event_id": row["id"], "reported_by": row["client"]}
    )

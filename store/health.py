"""Can the lead store take a write right now? Known from every write and a background probe.

Readiness must never wait on the database: a request that asks only reads
:meth:`StoreHealth.status`, which is what the last write or probe found. The probe runs in
a thread of its own (:class:`StoreProbe`), so a hung database stalls the probe, not the
service; a result older than ``max_age`` seconds counts as a failure.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from store.engine import check_still_there, write_transaction
from store.errors import StoreUnwritable

log = logging.getLogger("leadgrade.store")


@dataclass(frozen=True)
class StoreCheck:
    """What one write or probe found."""

    ok: bool
    source: str  # "write" or "probe"
    at: datetime
    monotonic: float
    reason: str | None = None


@dataclass(frozen=True)
class StoreStatus:
    """The store's health as readiness reports it."""

    ok: bool
    reason: str | None
    last_check: StoreCheck | None

    def as_dict(self) -> dict[str, object]:
        check = self.last_check
        return {
            "ok": self.ok,
            "reason": self.reason,
            "checked_by": None if check is None else check.source,
            "checked_at": None if check is None else check.at.isoformat(),
        }


class StoreHealth:
    """The most recent write or probe result, shared by request threads and the probe."""

    def __init__(self, max_age: float = 10.0) -> None:
        self.max_age = max_age
        self._last: StoreCheck | None = None
        self._lock = threading.Lock()
        self.write_failures = 0  # writes and probes that failed, for /metrics

    def record(self, ok: bool, source: str, reason: str | None = None) -> None:
        check = StoreCheck(ok, source, datetime.now(UTC), time.monotonic(), reason)
        with self._lock:
            was_ok = self._last is None or self._last.ok
            self._last = check
            self.write_failures += 0 if ok else 1
        if was_ok and not ok:
            log.error("the lead store failed (%s): %s", source, reason)
        elif ok and not was_ok:
            log.warning("the lead store works again (%s)", source)

    def status(self) -> StoreStatus:
        """Healthy if the latest check succeeded and is at most ``max_age`` seconds old."""
        last = self._last
        if last is None:
            return StoreStatus(False, "the lead store has not been checked yet", None)
        if not last.ok:
            return StoreStatus(False, last.reason, last)
        age = time.monotonic() - last.monotonic
        if age > self.max_age:
            reason = f"no write or probe of the lead store has succeeded for {age:.0f} s"
            return StoreStatus(False, reason, last)
        return StoreStatus(True, None, last)


def probe_write(engine: Engine, version_table: str) -> None:
    """Raise unless the store would take a write now; writes nothing (rolls back).

    A no-op UPDATE takes the write lock (SQLite) or fails in a read-only transaction
    (PostgreSQL replica), so a read-only or vanished store fails here, not on a CRM write.
    """
    with write_transaction(engine) as conn:
        check_still_there(conn)
        conn.execute(text(f"UPDATE {version_table} SET version_num = version_num"))
        conn.rollback()


class StoreProbe:
    """A daemon thread that probes the store every ``interval`` seconds until stopped."""

    def __init__(
        self, engine: Engine, version_table: str, health: StoreHealth, interval: float
    ) -> None:
        self._engine, self._table = engine, version_table
        self._health, self._interval = health, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        # Not joined: a probe stuck on a hung database must not hold up shutdown.
        self._stop.set()

    def probe_once(self) -> None:
        try:
            probe_write(self._engine, self._table)
        except (SQLAlchemyError, StoreUnwritable) as exc:
            self._health.record(False, "probe", describe(exc))
        else:
            self._health.record(True, "probe")

    def _run(self) -> None:
        # The first probe is the caller's (before the service takes requests): wait first.
        while not self._stop.wait(self._interval):
            self.probe_once()


def describe(exc: Exception) -> str:
    """One line naming a store failure, without SQL or values (they may hold lead data)."""
    if isinstance(exc, StoreUnwritable):
        return exc.message
    original = getattr(exc, "orig", None) or exc
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line}"[:300]

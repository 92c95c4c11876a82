"""A record of the stores this installation has created, kept apart from the stores.

A SQLite store whose folder was deleted would otherwise be re-created, empty, at the next
start, and everything it held would be silently gone. With this record, opening a store
that once existed but is now empty is refused unless the operator asks for a new one.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect

from store.engine import sqlite_path
from store.errors import StoreMissing
from store.settings import StoreSettings
from store.store import VERSION_TABLE, LeadStore


class StoreLedger:
    """``{shown URL: {"created_at": …}}`` in a JSON file, updated under a file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def created_at(self, shown_url: str) -> str | None:
        """When the store at this URL was first migrated here, if it ever was."""
        entry = self._read().get(shown_url)
        return None if entry is None else str(entry["created_at"])

    def remember(self, shown_url: str) -> None:
        """Record that the store at this URL exists (keeps the first creation time)."""
        with self._locked():
            entries = self._read()
            if shown_url in entries:
                return
            entries[shown_url] = {"created_at": datetime.now(UTC).isoformat(timespec="seconds")}
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(entries, indent=2, sort_keys=True))
            os.replace(temporary, self.path)

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.is_file():
            return {}
        entries: dict[str, dict[str, str]] = json.loads(self.path.read_text())
        return entries

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def store_is_empty(url: str, engine: Engine, version_table: str = VERSION_TABLE) -> bool:
    """True if the store has never been migrated (no file yet, or no version table)."""
    path = sqlite_path(url)
    if path is not None and (not path.is_file() or path.stat().st_size == 0):
        return True
    with engine.connect() as conn:
        return not inspect(conn).has_table(version_table)


def refuse_lost_store(ledger: StoreLedger, shown_url: str, *, empty: bool) -> None:
    """Raise :class:`StoreMissing` if the store is empty where the ledger says one existed."""
    created = ledger.created_at(shown_url)
    if empty and created is not None:
        raise StoreMissing(
            f"the lead store at {shown_url} is missing or empty, but one was created there "
            f"on {created} (recorded in {ledger.path}); restore it (leadgrade db restore) "
            "or set LEADGRADE_ALLOW_NEW_STORE=true to start an empty one",
            store=shown_url,
            created_at=created,
        )


def check_not_lost(settings: StoreSettings) -> None:
    """Raise :class:`StoreMissing` now, before a server starts, if the store was lost."""
    if settings.allow_new_store:
        return
    url = settings.resolved_database_url
    store = LeadStore(url, settings.store_timeouts)
    try:
        empty = store_is_empty(url, store.engine)
    finally:
        store.dispose()
    ledger = StoreLedger(settings.resolved_store_ledger)
    refuse_lost_store(ledger, settings.shown_database_url, empty=empty)


def open_store(
    settings: StoreSettings, *, migrate: bool, batch_records: int = 1000, batch_wait: float = 0.0
) -> LeadStore:
    """The configured store, refused if it was lost (see above), migrated if ``migrate``."""
    url, shown = settings.resolved_database_url, settings.shown_database_url
    ledger = StoreLedger(settings.resolved_store_ledger)
    store = LeadStore(
        url, settings.store_timeouts, batch_records=batch_records, batch_wait=batch_wait
    )
    try:
        empty = store_is_empty(url, store.engine, VERSION_TABLE)
        if not settings.allow_new_store:
            refuse_lost_store(ledger, shown, empty=empty)
        if migrate:
            store.upgrade()
    except BaseException:
        store.dispose()
        raise
    if migrate or not empty:
        ledger.remember(shown)
    return store

"""The store's database engine: SQLite made durable and concurrent, or PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

# Execution option marking a connection that is about to write (see ``write_transaction``).
_WRITE = "leadgrade_write"

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Longest pause between two attempts to switch a new SQLite file to WAL (see _switch_to_wal).
_WAL_RETRY_MAX_SLEEP = 0.05


def shown_url(url: str) -> str:
    """The URL without its password, for messages, logs and MLflow params."""
    return make_url(url).render_as_string(hide_password=True)


def create_store_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://…``. Does not connect."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"the lead store supports SQLite and PostgreSQL, not {backend!r} (url {parsed!r})"
        )
    # hide_parameters: a failed statement's error (and so the log) never shows the values.
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        _create_owner_only(Path(parsed.database))
    engine = create_engine(parsed, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _create_owner_only(path: Path) -> None:
    """Create the SQLite file readable by its owner only; SQLite gives -wal and -shm its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 driver, which would not BEGIN before
    # a SELECT and so break isolation; ``_sqlite_begin`` emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL needs a lock that another connection may hold.
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets readers run beside the one writer; synchronous=FULL syncs the log on every
    # commit, so an acknowledged write survives a power cut, not only a crash.
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the file in WAL mode, retrying while another connection is switching it too.

    The switch needs an exclusive lock taken on top of a shared one. When two connections
    try at once, SQLite answers one of them SQLITE_BUSY at once instead of calling the busy
    handler (waiting could deadlock), so busy_timeout does not cover it: processes and
    threads opening one new store together retry here until the other one is done.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, _WAL_RETRY_MAX_SLEEP)


def _sqlite_begin(conn: Connection) -> None:
    # A transaction that reads and then writes would need to upgrade its read lock, which
    # fails at once (no busy wait) if another writer committed meanwhile. Writers therefore
    # take the write lock up front and queue on busy_timeout; readers never block anyone.
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write, committed when the block exits without error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: one consistent snapshot for several queries."""
    with engine.connect() as conn:
        # SQLite's deferred BEGIN already reads one snapshot; PostgreSQL's default (READ
        # COMMITTED) would let each query see a different one.
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn

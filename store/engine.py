"""The store's database engine: SQLite made durable and concurrent, or PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from store.errors import StoreUnwritable

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

# Execution option marking a connection that is about to write (see ``write_transaction``).
_WRITE = "leadgrade_write"

# Connection info key: the SQLite file a connection opened, and its identity (device, inode).
_SQLITE_FILE = "leadgrade_sqlite_file"
# Longest pause between two attempts to switch a new SQLite file to WAL (see _switch_to_wal).
_WAL_RETRY_MAX_SLEEP = 0.05


def shown_url(url: str) -> str:
    """The URL without its password, for messages, logs and MLflow params."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class StoreTimeouts:
    """How long a database may take before the caller gets an error, in seconds.

    ``connect``: opening a connection (PostgreSQL); ``statement``: one statement, and on
    SQLite the wait for the write lock; ``pool``: waiting for a free pooled connection.
    """

    connect: float = 5.0
    statement: float = 15.0
    pool: float = 5.0


def create_store_engine(url: str, timeouts: StoreTimeouts | None = None) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://…``. Does not connect."""
    parsed = make_url(url)
    timeouts = timeouts or StoreTimeouts()
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"the lead store supports SQLite and PostgreSQL, not {backend!r} (url {parsed!r})"
        )
    # hide_parameters: a failed statement's error (and so the log) never shows the values.
    if backend == "postgresql":
        return _postgresql_engine(parsed, timeouts)
    path = sqlite_path(url)
    if path is not None:
        _create_owner_only(path)
    # An in-memory database is one shared connection (SingletonThreadPool): nothing to wait for.
    pooling = {"pool_timeout": timeouts.pool} if path is not None else {}
    engine = create_engine(parsed, hide_parameters=True, **pooling)
    busy_ms = round(timeouts.statement * 1000)
    event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=busy_ms))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also ``sqlite:///file:path?mode=ro&uri=true``), else None."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if parsed.query.get("uri") == "true":
        database = database.removeprefix("file:").split("?")[0]
    return Path(database)


def _postgresql_engine(url: URL, timeouts: StoreTimeouts) -> Engine:
    # statement_timeout is set as a start-up option (no extra round trip), added to any
    # options the URL already carries (a search_path, for instance).
    options = url.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    statement_ms = round(timeouts.statement * 1000)
    connect_args = {
        # libpq counts whole seconds and treats 1 as 2; at least 2 then.
        "connect_timeout": max(2, round(timeouts.connect)),
        "options": f"{options} -c statement_timeout={statement_ms}".strip(),
    }
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=timeouts.pool,
        connect_args=connect_args,
        hide_parameters=True,
    )


def _create_owner_only(path: Path) -> None:
    """Create the SQLite file readable by its owner only; SQLite gives -wal and -shm its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_connect(dbapi_connection: Any, record: Any, *, busy_ms: int) -> None:
    # Take transaction control away from the sqlite3 driver, which would not BEGIN before
    # a SELECT and so break isolation; ``_sqlite_begin`` emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL needs a lock that another connection may hold.
    cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
    # WAL lets readers run beside the one writer; synchronous=FULL syncs the log on every
    # commit, so an acknowledged write survives a power cut, not only a crash.
    _switch_to_wal(cursor, deadline=time.monotonic() + busy_ms / 1000)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
    cursor.close()
    if path:
        record.info[_SQLITE_FILE] = (path, _identity(path))


def _identity(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def check_still_there(conn: Connection) -> None:
    """Raise :class:`StoreUnwritable` if this connection's SQLite file was deleted or replaced.

    SQLite keeps writing to a deleted file through the handles it holds, and a restart
    would then open a new, empty one: every write since the deletion would be lost.
    """
    known = conn.info.get(_SQLITE_FILE)
    if known is None:
        return
    path, identity = known
    try:
        now = _identity(path)
    except FileNotFoundError:
        now = None
    if now != identity:
        what = "was deleted" if now is None else "was replaced by another file"
        raise StoreUnwritable(
            f"the lead store's SQLite file {path} {what} while the service had it open; "
            "nothing more is written to it (restore it, or restart to reopen it)",
            path=path,
        )


def _switch_to_wal(cursor: sqlite3.Cursor, *, deadline: float) -> None:
    """Put the file in WAL mode, retrying while another connection is switching it too.

    The switch needs an exclusive lock taken on top of a shared one. When two connections
    try at once, SQLite answers one of them SQLITE_BUSY at once instead of calling the busy
    handler (waiting could deadlock), so busy_timeout does not cover it: processes and
    threads opening one new store together retry here until the other one is done.
    """
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
    """A transaction that will write, committed when the block exits without error.

    On SQLite, the commit is refused (:class:`StoreUnwritable`) if the file has vanished.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn
            check_still_there(conn)


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

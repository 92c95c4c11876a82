"""Back up, restore and move the lead store.

SQLite: :func:`backup_sqlite` uses SQLite's online backup API, so the copy is consistent
even while the service writes; :func:`restore_sqlite` copies a backup back the same way.
:func:`copy_store` moves every table to another (empty) store, PostgreSQL typically, and
checks the row counts. On PostgreSQL itself, use its own tools (``pg_dump``/``pg_restore``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, func, inspect, select, text

from store.errors import StoreMissing
from store.schema import metadata
from store.store import VERSION_TABLE, LeadStore

_CHUNK = 5000


def backup_sqlite(store_file: Path, to: Path) -> None:
    """A consistent copy of a live SQLite store in ``to`` (which must not exist yet)."""
    if not store_file.is_file():
        raise StoreMissing(f"no SQLite store at {store_file}", store=str(store_file))
    if to.exists():
        raise FileExistsError(f"{to} exists already; back up to a new file")
    _copy_sqlite(store_file, to)


def restore_sqlite(backup: Path, store_file: Path) -> None:
    """Copy a backup over the store file; the service should be stopped meanwhile."""
    if not backup.is_file():
        raise StoreMissing(f"no backup at {backup}", backup=str(backup))
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if VERSION_TABLE not in tables:
        raise StoreMissing(f"{backup} is not a lead store backup (no {VERSION_TABLE} table)")
    store_file.parent.mkdir(parents=True, exist_ok=True)
    _copy_sqlite(backup, store_file)


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # The closed connections leave no WAL behind: the target is one self-contained file.


def copy_store(source: Engine, target: LeadStore) -> dict[str, int]:
    """Copy every table into ``target`` (migrated here, must be empty); rows per table.

    Raises ``ValueError`` if the target already holds leads or a count differs after.
    """
    target.upgrade()
    counts: dict[str, int] = {}
    with source.connect() as src, target.engine.begin() as dst:
        present = set(inspect(src).get_table_names())
        for table in metadata.sorted_tables:
            if dst.scalar(select(func.count()).select_from(table)):
                raise ValueError(f"the target store already has rows in {table.name}")
            if table.name not in present:
                continue
            rows = src.execute(table.select()).mappings()
            while chunk := rows.fetchmany(_CHUNK):
                dst.execute(table.insert(), [dict(row) for row in chunk])
            counts[table.name] = src.scalar(select(func.count()).select_from(table)) or 0
            copied = dst.scalar(select(func.count()).select_from(table)) or 0
            if copied != counts[table.name]:
                raise ValueError(f"{table.name}: {counts[table.name]} rows read, {copied} copied")
        if dst.dialect.name == "postgresql":
            _move_sequences(dst)
    return counts


def _move_sequences(conn: Connection) -> None:
    """Ids were copied as they were: move each id sequence past the highest one."""
    for table in metadata.sorted_tables:
        if "id" in table.c:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )

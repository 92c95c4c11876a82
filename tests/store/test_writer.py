"""Group commit: concurrent requests share transactions, and failures reach only their own."""

import threading
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from store.engine import create_store_engine
from store.writer import GroupWriter

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    # Checked at COMMIT, not at the insert: a way to make the commit itself fail.
    Column("parent", ForeignKey("parents.id", deferrable=True, initially="DEFERRED")),
)


def insert_items(conn: Connection, batches: Sequence[list[int]]) -> list[int]:
    """Insert each request's ids; a result per request (how many it wrote)."""
    rows = [{"id": i} for ids in batches for i in ids]
    conn.execute(insert(items), rows)
    return [len(ids) for ids in batches]


def orphan(conn: Connection, batches: Sequence[int]) -> list[None]:
    conn.execute(insert(items), [{"id": i, "parent": 999_999} for i in batches])
    return [None] * len(batches)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def commits(engine: Engine) -> list[int]:
    """How many transactions have committed so far (a one-item list, counted live)."""
    count = [0]
    event.listen(engine, "commit", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


@pytest.fixture
def writer(engine: Engine) -> Iterator[GroupWriter]:
    writer = GroupWriter(engine, max_records=3, max_wait=30.0)
    yield writer
    writer.close()


def stored(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(select(items.c.id)))


def test_requests_queued_together_share_one_transaction(engine, commits, writer):
    futures = [writer.submit(insert_items, [i], size=1) for i in (1, 2, 3)]

    # The batch is full at three records, so the writer does not wait out max_wait.
    assert [f.result(timeout=10) for f in futures] == [1, 1, 1]
    assert commits[0] == 1
    assert stored(engine) == {1, 2, 3}


def test_a_request_the_database_refuses_fails_alone_and_the_others_commit(engine, commits, writer):
    with engine.begin() as conn:
        conn.execute(insert(items), [{"id": 2}, {"id": 20}])
    before = commits[0]

    futures = [writer.submit(insert_items, ids, size=1) for ids in ([1], [4, 2], [3])]

    assert futures[0].result(timeout=10) == 1
    with pytest.raises(IntegrityError):
        futures[1].result(timeout=10)
    assert futures[2].result(timeout=10) == 1
    assert commits[0] == before + 1
    # The refused request's own first row (4) is rolled back with it.
    assert stored(engine) == {1, 2, 3, 20}


def test_a_failed_commit_reaches_every_request_in_the_transaction(engine, writer):
    futures = [
        writer.submit(insert_items, [1], size=1),
        writer.submit(orphan, 2, size=1),
        writer.submit(insert_items, [3], size=1),
    ]

    for future in futures:
        with pytest.raises(SQLAlchemyError, match=r"(?i)foreign key"):
            future.result(timeout=10)
    assert stored(engine) == set()
    # The writer carries on with the next transaction.
    assert [f.result(timeout=10) for f in [writer.submit(insert_items, [i]) for i in (5, 6, 7)]]
    assert stored(engine) == {5, 6, 7}


class Gate:
    """A write that holds the writer until released, to let requests queue up behind it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: Connection, batches: Sequence[list[int]]) -> list[int]:
        self.entered.set()
        assert self.release.wait(timeout=10)
        return insert_items(conn, batches)


def test_transactions_hold_at_most_max_records_and_a_large_request_goes_alone(engine, commits):
    writer = GroupWriter(engine, max_records=3, max_wait=0.0)
    gate = Gate()
    held = writer.submit(gate, [0])
    assert gate.entered.wait(timeout=10)
    seen: dict[int, int] = {}

    def noting(conn: Connection, batches: Sequence[list[int]]) -> list[int]:
        seen.update({ids[0]: commits[0] for ids in batches})
        return insert_items(conn, batches)

    sizes = [1, 1, 1, 1, 5, 1]
    requests = [[10 * n + k for k in range(size)] for n, size in enumerate(sizes, start=1)]
    futures = [writer.submit(noting, ids, size=len(ids)) for ids in requests]
    gate.release.set()
    held.result(timeout=10)
    assert [f.result(timeout=10) for f in futures] == sizes
    writer.close()

    transactions: dict[int, list[int]] = {}
    for ids in requests:
        transactions.setdefault(seen[ids[0]], []).append(len(ids))
    # Three single leads, then one (the five would overflow it), the five alone, the last one.
    assert list(transactions.values()) == [[1, 1, 1], [1], [5], [1]]


def test_a_request_cancelled_before_it_is_written_is_not_written(engine):
    writer = GroupWriter(engine, max_records=3, max_wait=0.0)
    gate = Gate()
    held = writer.submit(gate, [1])
    assert gate.entered.wait(timeout=10)

    cancelled = writer.submit(insert_items, [2])
    kept = writer.submit(insert_items, [3])
    assert cancelled.cancel()
    gate.release.set()

    assert (held.result(timeout=10), kept.result(timeout=10)) == (1, 1)
    writer.close()
    assert stored(engine) == {1, 3}


def test_close_writes_what_is_queued_and_a_later_request_starts_a_new_writer(engine):
    writer = GroupWriter(engine, max_records=100, max_wait=0.2)
    futures = [writer.submit(insert_items, [i]) for i in range(5)]
    writer.close()
    assert all(f.done() for f in futures)
    assert writer.write(insert_items, [99]) == 1
    writer.close()
    assert stored(engine) == {0, 1, 2, 3, 4, 99}


@pytest.mark.parametrize(
    ("options", "message"),
    [({"max_records": 0}, "max_records"), ({"max_wait": -1.0}, "max_wait")],
)
def test_the_writer_rejects_unusable_bounds(options, message):
    with pytest.raises(ValueError, match=message):
        GroupWriter(create_store_engine("sqlite://"), **options)

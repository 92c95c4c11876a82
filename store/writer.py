"""Group commit: one writer per process writes the records of concurrent requests together.

A request hands its item (say, the score rows of one request) and the function that writes
such items to the :class:`GroupWriter`, and waits for the returned future. The writer
thread takes what has queued up — at most ``max_records`` records, waiting at most
``max_wait`` seconds for more after the first — and writes it in one transaction. Futures
are resolved only after that transaction has committed, so an acknowledged write is still
a durable one; one fsync now covers many requests instead of each request queueing for
SQLite's write lock on its own.

- Items of the same kind are first written together, in one savepoint and one call of
  their write function (a few statements for the whole group, not a few per request). If
  that fails, each request's item is written again in its own savepoint, so an item that
  fails on its own (an idempotency conflict, a value the database refuses, a lead not
  found) gets its request the error and is rolled back, and the others commit.
- If the transaction itself fails (BEGIN, COMMIT, a lost connection), every request in it
  gets that error and nothing of it is stored.
- A request whose future was cancelled before the writer took it is not written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from store.engine import write_transaction
from store.health import describe

Item = TypeVar("Item")
Result = TypeVar("Result")
# Writes several items with one connection; one result per item, in order.
WriteMany = Callable[[Connection, Sequence[Item]], Sequence[Result]]
log = logging.getLogger("leadgrade.store")


@dataclass(eq=False)
class _Job(Generic[Item, Result]):
    write: WriteMany[Item, Result]
    item: Item
    size: int
    future: Future[Result] = field(default_factory=Future)


_STOP: Any = object()


class GroupWriter:
    """One thread that writes queued work in shared transactions (see the module docstring).

    ``max_records`` bounds the records of one transaction (a single larger request still
    goes in whole, alone); ``max_wait`` is how long the writer waits for more work after
    the first arrives (0: it takes what queued up while it was committing the last batch).
    """

    def __init__(self, engine: Engine, *, max_records: int = 1000, max_wait: float = 0.0) -> None:
        if max_records < 1:
            raise ValueError(f"max_records must be at least 1, not {max_records}")
        if max_wait < 0:
            raise ValueError(f"max_wait must not be negative, not {max_wait}")
        self._engine = engine
        self.max_records = max_records
        self.max_wait = max_wait
        self._queue: queue.SimpleQueue[_Job[Any, Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, write: WriteMany[Item, Result], item: Item, size: int = 1) -> Future[Result]:
        """Queue ``item`` (``size`` records); its future resolves once it is committed."""
        job: _Job[Item, Result] = _Job(write, item, max(size, 1))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="leadgrade-store-writer", daemon=True
                )
                self._thread.start()
            self._queue.put(job)
        return job.future

    def write(self, write: WriteMany[Item, Result], item: Item, size: int = 1) -> Result:
        """Submit ``item`` and wait until it is committed; its own error is raised here."""
        return self.submit(write, item, size).result()

    def close(self) -> None:
        """Write what is queued, then stop the thread (a later submit starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        carry: _Job[Any, Any] | None = None
        while True:
            first = carry if carry is not None else self._queue.get()
            if first is _STOP:
                return
            batch, carry = self._gather(first)
            self._commit([job for job in batch if job.future.set_running_or_notify_cancel()])

    def _gather(self, first: _Job[Any, Any]) -> tuple[list[_Job[Any, Any]], _Job[Any, Any] | None]:
        """The first job and what else fits in one transaction; the job that did not fit."""
        batch, size = [first], first.size
        deadline = time.monotonic() + self.max_wait
        while size < self.max_records:
            remaining = deadline - time.monotonic()
            try:
                job = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if job is _STOP or size + job.size > self.max_records:
                return batch, job
            batch.append(job)
            size += job.size
        return batch, None

    def _commit(self, batch: list[_Job[Any, Any]]) -> None:
        """Write the jobs, commit once, then answer every job."""
        if not batch:
            return
        answers: list[_Answer] = []
        try:
            with write_transaction(self._engine) as conn:
                for _, kind in groupby(batch, key=lambda job: job.write):
                    answers += _write_group(conn, list(kind))
        except Exception as exc:
            # describe(): the error's type and first line, never its parameters (lead data).
            log.warning("a group commit of %d requests failed: %s", len(batch), describe(exc))
            for job in batch:
                job.future.set_exception(exc)
            return
        for job, (value, error) in zip(batch, answers, strict=True):
            if error is None:
                job.future.set_result(value)
            else:
                job.future.set_exception(error)


def _write_group(conn: Connection, jobs: list[_Job[Any, Any]]) -> list[_Answer]:
    """Write items of one kind together; if that fails, each in its own savepoint."""
    try:
        with conn.begin_nested():
            results = jobs[0].write(conn, [job.item for job in jobs])
    except Exception as exc:
        if len(jobs) == 1:
            return [(None, exc)]
        return [_in_savepoint(conn, job) for job in jobs]
    return [(result, None) for result in results]


def _in_savepoint(conn: Connection, job: _Job[Any, Any]) -> _Answer:
    """The job's result, or its own error with its writes rolled back."""
    try:
        with conn.begin_nested():
            return job.write(conn, [job.item])[0], None
    except Exception as exc:
        return None, exc


_Answer = tuple[Any, BaseException | None]

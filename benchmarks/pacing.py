"""Requests at a constant rate, and readers looping on pages: the load test's two clients.

Debian's wrk (4.1) has no constant-rate mode: each connection sends its next request when
the last one is answered, so a slow server is asked less and its worst latencies are never
seen. :func:`paced` is open-loop instead: request ``i`` is due at ``start + i / rate``
whatever happened before, at most ``in_flight`` are outstanding, and latency counts from
the moment a request was due, so time spent queued behind a slow answer is in the p99. A
server too slow to take the rate fails the requests it never got (the run ends on time).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Tally:
    """Latencies (ms) of the answers that were 2xx, and how many requests failed."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile (0–100) of the successful latencies; None without any."""
        values = sorted(self.latencies_ms)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1]

    def add(self, ok: bool, started: float) -> None:
        if ok:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            self.errors += 1


async def paced(
    url: str,
    body: Any,
    *,
    rate: float,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    in_flight: int = 256,
    timeout: float = 30.0,
) -> Tally:
    """POST ``body`` as JSON to ``url``, ``rate`` times a second for ``seconds`` (open loop)."""
    tally = Tally()
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    gate = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout) as client:

        async def one(due: float) -> None:
            try:
                answer = await client.post(url, json=body)
                tally.add(answer.is_success, due)
            except httpx.HTTPError:
                tally.add(False, due)
            finally:
                gate.release()

        start = time.perf_counter()
        tasks = []
        planned = round(rate * seconds)
        for i in range(planned):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await gate.acquire()
            if time.perf_counter() > start + seconds + timeout:
                # The server fell so far behind that the run would outlast its time: what
                # was never sent counts as failed, as a CRM's timed-out calls would.
                gate.release()
                tally.errors += planned - i
                break
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        tally.seconds = time.perf_counter() - start
    return tally


async def readers(
    base_url: str,
    paths: Sequence[str],
    *,
    loops: int,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    cookies: httpx.Cookies | None = None,
    timeout: float = 60.0,
) -> Tally:
    """``loops`` readers, each GETting ``paths`` in turn, back to back, for ``seconds``."""
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def loop(client: httpx.AsyncClient, offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                answer = await client.get(paths[i % len(paths)])
                tally.add(answer.is_success, started)
            except httpx.HTTPError:
                tally.add(False, started)
            i += 1

    start = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, cookies=cookies, timeout=timeout
    ) as client:
        await asyncio.gather(*(loop(client, n) for n in range(loops)))
    tally.seconds = time.perf_counter() - start
    return tally

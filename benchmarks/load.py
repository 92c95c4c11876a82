"""Servers started for a benchmark, and wrk driving them over loopback.

wrk (Debian's package; ``make bench`` installs it) is a C load generator: one thread, an
epoll loop, a fixed request prepared once by a Lua script. Its own cost is kept out of the
figures in two ways: it is the same small, constant cost for every server measured side by
side (so ratios between servers hold), and the CPU time it used is measured and reported
per request, so a reader can see it is small beside the server's.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("BENCH_BODY"), "r")
wrk.body = f:read("*a")
f:close()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A server process on loopback, how long it took from start to ready (wall), and the
    CPU time it had used by then (None where /proc is not there to ask)."""

    url: str
    process: subprocess.Popen[bytes]
    ready_seconds: float
    ready_cpu_seconds: float | None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process (Linux), unaffected by waiting for a
    core on a shared machine, unlike its wall time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def started(
    command: list[str], ready_path: str, env: Mapping[str, str], log: Path, timeout: float = 180
) -> Iterator[Server]:
    """Start ``command`` (which must take its port from ``{port}``), wait until it answers."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            ready = _wait(url + ready_path, process, start + timeout) - start
            yield Server(url, process, ready, cpu_seconds(process.pid))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(url: str, process: subprocess.Popen[bytes], deadline: float) -> float:
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited during start-up")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter()
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} was not ready in time")


@dataclass(frozen=True)
class Load:
    """What wrk measured: requests/s, p50 and p99 in ms, errors, wrk's own CPU per request."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    wrk_cpu_us_per_request: float


def wrk(url: str, body: Path, connections: int, seconds: float, workdir: Path) -> Load:
    """POST ``body`` to ``url`` over ``connections`` connections for ``seconds`` seconds."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: run `make bench` (it installs wrk)")
    script = workdir / "post.lua"
    script.write_text(_LUA)
    argv = [binary, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "--latency"]
    argv += ["-s", str(script)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [*argv, url],
        env={**os.environ, "BENCH_BODY": str(body)},
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return parse_wrk(done.stdout, cpu)


def parse_wrk(text: str, cpu_seconds: float = 0.0) -> Load:
    """The figures of wrk's ``--latency`` report."""
    requests = int(_find(r"(\d+) requests in", text))
    # "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N"
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    return Load(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", text)),
        p50_ms=_ms(_find(r"\s50%\s+([\d.]+\w+)", text)),
        p99_ms=_ms(_find(r"\s99%\s+([\d.]+\w+)", text)),
        requests=requests,
        errors=errors,
        wrk_cpu_us_per_request=cpu_seconds / max(requests, 1) * 1e6,
    )


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk's report has no {pattern!r}:\n{text}")
    return found.group(1)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]

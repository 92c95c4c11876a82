"""Shared test helpers: tiny real models trained once per test process, free ports."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from features.spec import LeadSpec, demo_spec
from training.demo_data import generate_leads
from training.pipeline import TrainingResult, train_scorer

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def tiny_training(rows: int = 2000, seed: int = 3) -> TrainingResult:
    """A small real model on demo leads (a few seconds; cached for the whole run)."""
    return train_scorer(generate_leads(rows, seed=seed), demo_spec(), model_name="leadgrade")


def spec() -> LeadSpec:
    return demo_spec()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0, path: str = "/ready"
) -> None:
    """Poll ``path`` until the server process answers 200; fail if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process exited during start-up"
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer {path} within {timeout:.0f} s")


def start_server(
    store_url: str, model: Path, home: Path, **settings: str
) -> tuple[str, subprocess.Popen[bytes]]:
    """``leadgrade serve`` of a model folder on a free port, logging to home/serve-PORT.log.

    ``settings`` adds environment variables (``LEADGRADE_STORE_PROBE_SECONDS="1"``, ...).
    Returns at once: the process may still be starting, or about to exit.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "LEADGRADE_HOME": str(home),
        "LEADGRADE_MODEL_URI": str(model),
        "LEADGRADE_MODEL_POLL_SECONDS": "0",
        "LEADGRADE_DATABASE_URL": store_url,
        **settings,
    }
    command = [sys.executable, "-m", "leadgrade.cli", "serve", "--port", str(port)]
    with (home / f"serve-{port}.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    return f"http://127.0.0.1:{port}", proc


@contextmanager
def server(
    store_url: str, model: Path, home: Path, *, wait_for: str = "/ready", **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`start_server`, once ``wait_for`` answers 200; killed (if still alive) on exit.

    Wait for ``/health`` to test a server whose store fails: it is up but never ready.
    """
    url, proc = start_server(store_url, model, home, **settings)
    try:
        wait_ready(url, proc, path=wait_for)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def run_leadgrade(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``leadgrade ARGS`` in a fresh interpreter, its output captured (never raises on failure)."""
    return subprocess.run(
        [sys.executable, "-m", "leadgrade.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def serve_champion(env: dict[str, str], port: int, log: IO[str]) -> subprocess.Popen[bytes]:
    """``leadgrade serve`` of the champion in ``env``'s home on 127.0.0.1:``port``, logging
    to ``log`` (:func:`start_server` serves a model folder)."""
    return subprocess.Popen(
        [sys.executable, "-m", "leadgrade.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

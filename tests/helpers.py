"""Shared test helpers: tiny real models trained once per test process, free ports."""

from __future__ import annotations

import functools
import socket
import subprocess
import time
from pathlib import Path

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


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Poll ``/ready`` until the server process answers 200; fail if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process exited during start-up"
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not become ready within {timeout:.0f} s")

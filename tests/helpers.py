"""Shared test helpers: tiny real models trained once per test process, free ports."""

from __future__ import annotations

import functools
import socket
from pathlib import Path

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

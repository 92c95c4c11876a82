"""How many threads LightGBM predicts with: one rule for every booster of the model."""

from __future__ import annotations

# Below this many leads per call, one thread predicts faster than a pool that must wake up.
SINGLE_THREAD_ROWS = 64


def predict_threads(rows: int) -> int:
    """1 for small calls, 0 (LightGBM's default: every core) for batches."""
    return 1 if rows <= SINGLE_THREAD_ROWS else 0

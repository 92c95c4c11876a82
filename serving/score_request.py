"""One POST /v1/leads/score as plain functions: validate, score, hand to the store, wait.

The work is sized to the event loop: a single lead (or a small batch) is validated and
scored on the loop itself — a fraction of a millisecond, less than a hop to a worker thread
costs — while a larger batch, or one with TreeSHAP reasons, runs in a worker thread so
that it never stalls the other requests. Either way the rows go to the store's one writer
(group commit, see :mod:`store.writer`) and the answer waits, without holding the loop,
until the transaction holding them has committed.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from serving.explaining import explain_leads
from serving.model_source import ServedModel
from serving.scoring import parse_leads, score_leads
from serving.storing import stored
from store import LeadStore

# Leads scored on the event loop; more go to a worker thread (about 0.15 ms a lead).
INLINE_LEADS = 8


@dataclass(frozen=True)
class ScoreRequest:
    """What the route hands over: the raw body and how to score it."""

    body: Any
    client: str
    max_batch: int
    explain: bool = False
    top: int = 3
    backfill: bool = False  # stored as scored when created (see LeadStore.record_scores)


@dataclass(frozen=True)
class _Scored:
    results: list[dict[str, Any]]
    is_batch: bool
    written: Future[None]


async def answer(request: ScoreRequest, model: ServedModel, store: LeadStore) -> Any:
    """The score response (a list for a list), returned once every lead is stored."""
    body = request.body
    small = not isinstance(body, list) or len(body) <= INLINE_LEADS
    if small and not (request.explain and isinstance(body, list)):
        scored = _score_and_hand_over(request, model, store)
    else:
        scored = await anyio.to_thread.run_sync(_score_and_hand_over, request, model, store)
    await stored(scored.written, store.health)
    return scored.results if scored.is_batch else scored.results[0]


def _score_and_hand_over(request: ScoreRequest, model: ServedModel, store: LeadStore) -> _Scored:
    records, is_batch = parse_leads(request.body, model, request.max_batch)
    if request.explain:
        results = explain_leads(records, model, request.top)
    else:
        results = score_leads(records, model)
    spec = model.loaded.scorer.spec
    written = store.submit_scores(
        spec, records, results, client=request.client, backfill=request.backfill
    )
    return _Scored(results, is_batch, written)

"""Training from the lead store never crashes on a value the API accepted.

Leads are checked by the request model the API builds from the spec (so each one is a lead
the API accepts), scored by a tiny real model, stored, given outcomes, and then trained
on from the store: every edge of every accepted range at once through the whole command
path (MLflow and the logged holdout included), and random accepted leads by Hypothesis.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.request import DateBounds, build_request_model
from features.spec import LeadSpec, demo_spec
from models.scorer import LeadScorer
from store import LeadStore, OutcomeIn
from tests.helpers import tiny_training
from training.demo_data import generate_leads
from training.from_store import load_training_set, train_from_store
from training.pipeline import train_scorer
from training.settings import TrainSettings

SPEC = demo_spec()
REQUEST = build_request_model(SPEC)
MODEL = {"name": "leadgrade", "version": "1", "run_id": None}
TEXT_FIELDS = [n for n, kind in SPEC.feature_kinds.items() if kind not in ("numeric", "boolean")]
NUMERIC = [n for n, kind in SPEC.feature_kinds.items() if kind == "numeric"]
BOOLEAN = [n for n, kind in SPEC.feature_kinds.items() if kind == "boolean"]
ODD_TEXT = [
    "x" * 1000,  # the longest accepted
    "Zürich — 東京 🚀 \u200b ñ\u0301 \u2028 tab\tand\nnewline",
    "",
    "   ",
    "nan",
    "NaN",
    "None",
    "null",
    "true",
    "-inf",
    "1e308",
    "0",
    "[redacted]",
]

EARLIEST = DateBounds().earliest  # the earliest date the API accepts, as configured


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


def accepted(lead: dict[str, Any]) -> dict[str, Any]:
    """The lead as the API hands it on; fails the test if the API would refuse it."""
    return REQUEST.model_validate(lead).model_dump()


def store_leads(
    store: LeadStore, scorer: LeadScorer, leads: list[dict[str, Any]], won: list[bool]
) -> None:
    """Score the (accepted) leads as the service does, and report an outcome for each."""
    records = [accepted(lead) for lead in leads]
    results = [{**r, "model": MODEL} for r in scorer.score_records(records)]
    store.record_scores(SPEC, records, results, client="crm")
    for record, good in zip(records, won, strict=True):
        event = OutcomeIn(outcome="won" if good else "lost", reason="No budget", rating=3)
        store.record_outcome(record["lead_id"], event, client="crm", idempotency_key=None)


def base_leads(rows: int = 400) -> tuple[list[dict[str, Any]], list[bool]]:
    """Ordinary demo leads, enough for a model to learn something beside the odd ones."""
    leads = generate_leads(rows, seed=5)
    leads = leads[leads["status"] != "open"]
    known = [SPEC.lead.id, *SPEC.feature_fields]
    frame = leads[known].astype(object)
    records = frame.where(frame.notna(), None).to_dict(orient="records")
    return records, list(leads["status"] == "won")


def edge_leads() -> list[dict[str, Any]]:
    """One lead per edge of what the API accepts, field by field."""
    leads: list[dict[str, Any]] = [{}]  # every optional field missing
    for name in NUMERIC:
        low, high = SPEC.features.range_of(name)
        leads += [{name: v} for v in (low, high, int(low), int(high), (low + high) / 2, 0.5)]
    for name in BOOLEAN:
        leads += [{name: True}, {name: False}, {name: None}]
    for name in TEXT_FIELDS:
        leads += [{name: text} for text in ODD_TEXT]
    created = SPEC.lead.created_at
    if created:
        soon = datetime.now(UTC) + timedelta(hours=23)
        dates = [EARLIEST.isoformat(), soon.isoformat(), "2024-02-29T23:59:59.999999+14:00"]
        leads += [{created: day} for day in dates]
    everything = {n: None for n in SPEC.feature_fields}
    leads.append(everything)
    return [{SPEC.lead.id: f"edge-{i}", **lead} for i, lead in enumerate(leads)]


def test_every_edge_of_the_accepted_ranges_trains_from_the_store(
    store, store_url, scorer, tmp_path
):
    base, won = base_leads()
    edges = edge_leads()
    store_leads(store, scorer, base + edges, won + [i % 2 == 0 for i in range(len(edges))])
    settings = TrainSettings(home=tmp_path / "lg", database_url=store_url)

    registered = train_from_store(None, None, settings=settings)

    assert registered.version
    trained = load_training_set(store_url, SPEC, None, 90, lambda _: None).frame
    assert set(trained[SPEC.lead.id]) >= {lead[SPEC.lead.id] for lead in edges}


# --- random accepted leads ------------------------------------------------------------------

_CONTROL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=_CONTROL), max_size=60)


def _number(name: str) -> st.SearchStrategy[Any]:
    low, high = SPEC.features.range_of(name)
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(st.none(), floats, st.integers(int(low), int(high)))


def _lead_strategy(spec: LeadSpec) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in NUMERIC:
        fields[name] = _number(name)
    for name in BOOLEAN:
        fields[name] = st.one_of(st.none(), st.booleans())
    for name in TEXT_FIELDS:
        fields[name] = st.one_of(st.none(), _text, st.sampled_from(ODD_TEXT))
    if spec.lead.created_at:
        latest = datetime.now(UTC).replace(tzinfo=None)
        days = st.datetimes(EARLIEST.replace(tzinfo=None), latest, timezones=st.just(UTC))
        fields[spec.lead.created_at] = st.one_of(st.none(), days.map(datetime.isoformat))
    return st.fixed_dictionaries({}, optional=fields)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory, scorer: LeadScorer) -> Path:
    """A SQLite store holding the base leads, copied afresh for each example."""
    path = tmp_path_factory.mktemp("base-store") / "leads.db"
    store = LeadStore(f"sqlite:///{path}")
    store.upgrade()
    store_leads(store, scorer, *base_leads())
    store.dispose()
    return path


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leads=st.lists(_lead_strategy(SPEC), min_size=1, max_size=12), won=st.booleans())
def test_random_accepted_leads_train_from_the_store(
    base_store, scorer, tmp_path_factory, leads, won
):
    path = tmp_path_factory.mktemp("example") / "leads.db"
    shutil.copy(base_store, path)
    store = LeadStore(f"sqlite:///{path}")
    try:
        odd = [{SPEC.lead.id: f"random-{i}", **lead} for i, lead in enumerate(leads)]
        store_leads(store, scorer, odd, [won if i % 2 else not won for i in range(len(odd))])
    finally:
        store.dispose()

    frame = load_training_set(f"sqlite:///{path}", SPEC, None, 90, lambda _: None).frame
    result = train_scorer(frame, SPEC, model_name="leadgrade")

    assert isinstance(frame, pd.DataFrame)
    assert len(result.scorer.score_records([accepted(lead) for lead in odd])) == len(odd)

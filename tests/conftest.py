"""Shared test fixtures. Each part of the code base keeps its fixtures in its own section."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from features.spec import LeadSpec, demo_spec
from store import LeadStore

# Tests call MLflow in-process and start `mlflow models serve`: none of it reports usage
# to MLflow's vendor (the `leadgrade` command sets the same default for its own processes).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

# =========================================================================================
# Lead store (store): one store per test, on SQLite and on PostgreSQL.
#
# PostgreSQL tests use a fresh database per test module (dropped afterwards) and a fresh
# schema per test. Without a reachable server they are skipped, except on CI (CI=true),
# where a missing server is a failure rather than a silently smaller test run.
# =========================================================================================

POSTGRES_URL_ENV = "LEADGRADE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[URL]:
    """The URL of a new, empty PostgreSQL database, dropped after the test module."""
    server = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    shown = server.render_as_string(hide_password=True)
    admin = create_engine(
        server,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    name = f"leadgrade_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        _postgres_unavailable(
            f"PostgreSQL not reachable at {shown} ({str(exc.orig).splitlines()[0]}); "
            f"set {POSTGRES_URL_ENV}"
        )
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty lead store: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    database: URL = request.getfixturevalue("postgres_database")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    # libpq's "options" sets the schema search path for every connection the store opens.
    url = database.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def store(store_url: str) -> Iterator[LeadStore]:
    """A migrated, empty lead store."""
    lead_store = LeadStore(store_url)
    lead_store.upgrade()
    yield lead_store
    lead_store.dispose()


@pytest.fixture(scope="session")
def store_spec() -> LeadSpec:
    return demo_spec()


def _demo_lead(lead_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "created_at": "2024-03-01T09:00:00Z",
        "industry": "software",
        "country": "DE",
        "lead_source": "webinar",
        "campaign": "spring",
        "employees": 250,
        "pages_viewed": 7,
        "email_clicks": 2,
        "days_since_last_activity": 3,
        "demo_requested": True,
        "webinar_attended": False,
        "email": f"jane.doe.{lead_id}@northwind.com",
        "job_title": "VP Marketing",
        "company": "Northwind",
        "full_name": "Jane Doe",
        "phone": "+49 30 1234567",
        "owner_notes": "met at the fair",
    } | fields


@pytest.fixture
def demo_lead() -> Callable[..., dict[str, Any]]:
    """``demo_lead(lead_id, **fields)``: a demo-spec lead, personal data included."""
    return _demo_lead


_SCORES = {"A": 90.0, "B": 70.0, "C": 40.0, "D": 10.0}
_FOLLOW_UP = {"A": 24, "B": 168}


def _score_result(lead_id: str, grade: str = "B", **overrides: Any) -> dict[str, Any]:
    sales = grade in _FOLLOW_UP
    return {
        "lead_id": lead_id,
        "score": _SCORES[grade],
        "probability": _SCORES[grade] / 100,
        "grade": grade,
        "route": {
            "queue": "sales" if sales else "nurture",
            "follow_up_within_hours": _FOLLOW_UP.get(grade),
            "track": None if sales else "education",
        },
        "reasons": [{"field": "employees", "value": 250, "points": 4.0, "sentence": "Mid-size."}],
        "model": {"name": "leadgrade", "version": "3", "run_id": "abc123"},
    } | overrides


@pytest.fixture
def score_result() -> Callable[..., dict[str, Any]]:
    """``score_result(lead_id, grade="B", **overrides)``: a score response as serving sends it."""
    return _score_result


@pytest.fixture
def score_lead(store: LeadStore, store_spec: LeadSpec) -> Callable[..., None]:
    """``score_lead(lead_id, at, grade="B", client="crm", **fields)``: store one scoring.

    The lead arrived when it is scored (``created_at`` = ``at``) unless ``fields`` say when.
    """

    def score(
        lead_id: str, at: datetime, grade: str = "B", client: str = "crm", **fields: Any
    ) -> None:
        fields.setdefault("created_at", at.isoformat())
        lead, result = _demo_lead(lead_id, **fields), _score_result(lead_id, grade)
        store.record_scores(store_spec, [lead], [result], client=client, scored_at=at)

    return score


# ============================ end of the lead store section ==============================

# =========================================================================================
# Serving: apps built with default settings would store leads in the working copy's
# .leadgrade; for the whole test session they store them in a temporary SQLite file.
# Tests that need a particular store pass database_url (see tests/serving/conftest.py).
# =========================================================================================


@pytest.fixture(scope="session", autouse=True)
def _session_lead_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    url = f"sqlite:///{tmp_path_factory.mktemp('session-store') / 'leads.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEADGRADE_DATABASE_URL", url)
        # The record of created stores (store.ledger) stays out of the working copy too.
        ledger = tmp_path_factory.mktemp("store-ledger") / "stores.json"
        patch.setenv("LEADGRADE_STORE_LEDGER", str(ledger))
        patch.delenv("LEADGRADE_KEYS_FILE", raising=False)
        yield

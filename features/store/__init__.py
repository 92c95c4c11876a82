"""The lead store: every lead as it was scored, its score history and sales' outcomes.

SQLite by default, PostgreSQL by URL. Tables are created and migrated by Alembic
(``LeadStore.upgrade``); the reports live in :mod:`features.store.reports`.
"""

from features.store.errors import IdempotencyConflict, LeadNotFound
from features.store.frame import StoreTrainingSet
from features.store.models import (
    LeadHistory,
    ModelRef,
    OutcomeIn,
    OutcomeReceipt,
    OutcomeRecord,
    Route,
    ScoreRecord,
)
from features.store.privacy import redact
from features.store.store import LeadStore

__all__ = [
    "IdempotencyConflict",
    "LeadHistory",
    "LeadNotFound",
    "LeadStore",
    "ModelRef",
    "OutcomeIn",
    "OutcomeReceipt",
    "OutcomeRecord",
    "Route",
    "ScoreRecord",
    "StoreTrainingSet",
    "redact",
]

"""The lead store: every lead as it was scored, its score history and sales' outcomes.

SQLite by default, PostgreSQL by URL. Tables are created and migrated by Alembic
(``LeadStore.upgrade``). Store reports each have a module named for what they show:
:mod:`store.funnel`, :mod:`store.overdue`.
"""

from store.errors import IdempotencyConflict, LeadNotFound
from store.frame import StoreTrainingSet
from store.models import (
    LeadHistory,
    ModelRef,
    OutcomeIn,
    OutcomeReceipt,
    OutcomeRecord,
    Route,
    ScoreRecord,
)
from store.privacy import redact
from store.store import LeadStore

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

"""Stages accepted and opportunity beside the outcomes; the creation time of each lead.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FEEDBACK = "outcome IN ('accepted', 'opportunity', 'won', 'lost', 'disqualified')"
_OUTCOMES = "outcome IN ('won', 'lost', 'disqualified')"


def upgrade() -> None:
    # Leads stored before this revision have no creation time: reports fall back to their
    # first score, as they would for a CRM that never sends one.
    op.add_column("leads", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    # Batch mode: SQLite cannot alter a CHECK constraint, so the table is copied.
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_constraint(op.f("ck_outcomes_outcome"), type_="check")
        batch.create_check_constraint(op.f("ck_outcomes_outcome"), _FEEDBACK)


def downgrade() -> None:
    outcomes = sa.table("outcomes", sa.column("outcome", sa.String(16)))
    # Stages have no place in the old schema; the outcomes they led to are kept.
    op.execute(outcomes.delete().where(outcomes.c.outcome.in_(("accepted", "opportunity"))))
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_constraint(op.f("ck_outcomes_outcome"), type_="check")
        batch.create_check_constraint(op.f("ck_outcomes_outcome"), _OUTCOMES)
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("created_at")

"""Scores by a model without a registry version (served from a file) can be stored.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a downgrade writes where no version was known: the old schema needs some text.
UNVERSIONED = "unversioned"


def upgrade() -> None:
    # Batch mode: SQLite cannot ALTER a column, so the table is copied (named constraints
    # and indexes included); PostgreSQL gets a plain ALTER TABLE.
    with op.batch_alter_table("scores") as batch:
        batch.alter_column("model_version", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    scores = sa.table("scores", sa.column("model_version", sa.String(64)))
    op.execute(
        scores.update().where(scores.c.model_version.is_(None)).values(model_version=UNVERSIONED)
    )
    with op.batch_alter_table("scores") as batch:
        batch.alter_column("model_version", existing_type=sa.String(64), nullable=False)

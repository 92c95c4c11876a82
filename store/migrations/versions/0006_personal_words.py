"""Salted digests of the words of each lead's personal values, to scrub them from notes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_words",
        sa.Column(
            "lead_id",
            sa.String(255),
            sa.ForeignKey("leads.lead_id", name=op.f("fk_personal_words_lead_id_leads")),
            nullable=False,
        ),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "digest", name=op.f("pk_personal_words")),
    )


def downgrade() -> None:
    op.drop_table("personal_words")

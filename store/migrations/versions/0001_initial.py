"""The lead store: leads, their score history and their outcome events.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported from schema.py: a migration must keep creating what it
# created on the day it was written, whatever the models say later. Names are wrapped in
# op.f() because they are final: the models' naming convention must not be applied again.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(255), nullable=False),
        sa.Column("first_scored_at", Timestamp, nullable=False),
        sa.Column("first_score_id", Id, nullable=True),
        sa.Column("latest_scored_at", Timestamp, nullable=False),
        sa.Column("latest_score_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_leads")),
    )
    op.create_table(
        "scores",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(255), nullable=False),
        sa.Column("scored_at", Timestamp, nullable=False),
        sa.Column("client", sa.String(255), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(1), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("follow_up_due_at", Timestamp, nullable=True),
        sa.Column("reasons", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("model_name", sa.String(255), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("model_run_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.lead_id"], name=op.f("fk_scores_lead_id_leads")
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_scores_score_range")),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 1", name=op.f("ck_scores_probability_range")
        ),
        sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name=op.f("ck_scores_grade")),
        sa.CheckConstraint("queue IN ('sales', 'nurture')", name=op.f("ck_scores_queue")),
    )
    op.create_index(op.f("ix_scores_lead_id_scored_at"), "scores", ["lead_id", "scored_at"])
    op.create_table(
        "outcomes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(255), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("canonical_reason", sa.String(32), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("occurred_at", Timestamp, nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.Column("client", sa.String(255), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.lead_id"], name=op.f("fk_outcomes_lead_id_leads")
        ),
        sa.CheckConstraint(
            "outcome IN ('won', 'lost', 'disqualified')", name=op.f("ck_outcomes_outcome")
        ),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_outcomes_rating_range")),
        # The idempotency guarantee: one event per (client, key). NULL keys never collide.
        sa.UniqueConstraint(
            "client", "idempotency_key", name=op.f("uq_outcomes_client_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_outcomes_lead_id"), "outcomes", ["lead_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outcomes_lead_id"), table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index(op.f("ix_scores_lead_id_scored_at"), table_name="scores")
    op.drop_table("scores")
    op.drop_table("leads")

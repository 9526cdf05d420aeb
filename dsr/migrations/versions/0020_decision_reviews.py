"""decision reviews: the recorded human review of a contested automated decision (Art. 22(3))

Revision ID: 0020
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=60), nullable=False),
        sa.Column("check_key", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("reviewer_role", sa.String(length=40), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('upheld', 'changed')",
                           name=op.f("ck_decision_reviews_outcome")),
        sa.CheckConstraint("length(reasons) > 0", name=op.f("ck_decision_reviews_reasons_given")),
        sa.CheckConstraint("length(reviewer_role) > 0",
                           name=op.f("ck_decision_reviews_reviewer_role_given")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_decision_reviews_request_id_requests"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"],
                                name=op.f("fk_decision_reviews_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_reviews")),
        sa.UniqueConstraint("request_id", name=op.f("uq_decision_reviews_request_id")),
    )


def downgrade() -> None:
    op.drop_table("decision_reviews")

"""the coordinator's decisions on suggested redactions (accepted or dismissed)

Revision ID: 0038
Revises: 0034

``redaction_id`` names a row of ``redactions`` (revision 0005, on another branch) without a
foreign key, so this revision needs no order among the branches; a decision whose redaction
was removed is treated as open again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redaction_suggestion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(),
                  nullable=False),
        sa.Column("suggestion", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("system", sa.String(60), nullable=False),
        sa.Column("table_name", sa.String(100), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=False),
        sa.Column("column", sa.String(100), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("redaction_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_suggestion_decisions")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE",
                                name=op.f("fk_redaction_suggestion_decisions_request_id_requests")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_redaction_suggestion_decisions_decided_by_id_users")),
        sa.CheckConstraint("decision IN ('accepted', 'dismissed')",
                           name=op.f("ck_redaction_suggestion_decisions_decision")),
        sa.UniqueConstraint("request_id", "suggestion", name="uq_suggestion_decision"),
    )
    op.create_index(op.f("ix_redaction_suggestion_decisions_request_id"),
                    "redaction_suggestion_decisions", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_redaction_suggestion_decisions_request_id",
                  "redaction_suggestion_decisions")
    op.drop_table("redaction_suggestion_decisions")

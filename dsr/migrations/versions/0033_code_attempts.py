"""code attempts: wrong tries at a verification code counted per source, so that a third party
cannot lock the code meant for the subject

Revision ID: 0033
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["verification_codes.id"],
                                name=op.f("fk_code_attempts_code_id_verification_codes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_attempts")),
    )
    op.create_index(op.f("ix_code_attempts_code_id"), "code_attempts", ["code_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_code_attempts_code_id"), table_name="code_attempts")
    op.drop_table("code_attempts")

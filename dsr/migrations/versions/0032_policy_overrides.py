"""policy overrides: verifying despite a failed identity policy needs a reason, and for
erasing or disclosing requests a second coordinator's confirmation

Revision ID: 0032
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=80), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_policy_overrides_reason_given")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_policy_overrides_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_overrides")),
    )
    op.create_index(op.f("ix_policy_overrides_request_id"), "policy_overrides", ["request_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_overrides_request_id"), table_name="policy_overrides")
    op.drop_table("policy_overrides")

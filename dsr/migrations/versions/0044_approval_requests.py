"""approval requests: an irreversible step of a four-eyes request type waits for a second,
different coordinator; a policy override in a shop with one coordinator waits for a period

Revision ID: 0044
Revises: 0042
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.db import UTCDateTime

revision = "0044"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=80), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_why", sa.String(length=20), nullable=True),
        sa.CheckConstraint("step IN ('execute', 'release', 'reject')",
                           name=op.f("ck_approval_requests_step")),
        sa.CheckConstraint("confirmed_by IS NULL OR confirmed_by <> requested_by",
                           name=op.f("ck_approval_requests_second_person")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_approval_requests_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    op.create_index(op.f("ix_approval_requests_request_id"), "approval_requests", ["request_id"])
    op.create_table(
        "override_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("effective_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_override_states_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_override_states")),
        sa.UniqueConstraint("override_id", name=op.f("uq_override_states_override_id")),
    )
    op.create_index(op.f("ix_override_states_request_id"), "override_states", ["request_id"])
    op.create_index(op.f("ix_override_states_effective_at"), "override_states",
                    ["effective_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_override_states_effective_at"), table_name="override_states")
    op.drop_index(op.f("ix_override_states_request_id"), table_name="override_states")
    op.drop_table("override_states")
    op.drop_index(op.f("ix_approval_requests_request_id"), table_name="approval_requests")
    op.drop_table("approval_requests")

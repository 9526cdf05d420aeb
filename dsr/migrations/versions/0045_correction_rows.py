"""correction rows: the rows and fields a coordinator picked for a rectification (the
rectification editor); without them a recorded correction applies to every row of the subject

Revision ID: 0045
Revises: 0042
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correction_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_correction_rows_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_rows")),
        sa.UniqueConstraint("request_id", name=op.f("uq_correction_rows_request_id")),
    )


def downgrade() -> None:
    op.drop_table("correction_rows")

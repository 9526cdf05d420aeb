"""spent challenges: a proof-of-work challenge is taken once across every web process (it was
remembered per process before)

Revision ID: 0042
Revises: 0033
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.db import UTCDateTime

revision = "0042"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spent_challenges",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_spent_challenges")),
    )
    op.create_index(op.f("ix_spent_challenges_expires_at"), "spent_challenges", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_spent_challenges_expires_at"), table_name="spent_challenges")
    op.drop_table("spent_challenges")

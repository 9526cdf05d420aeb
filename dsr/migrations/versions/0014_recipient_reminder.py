"""recipient reminder: when a recipient was reminded of an unconfirmed notice

Revision ID: 0014
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.db import UTCDateTime

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")

"""processor status: the last status a processor reported for an OpenGDPR request

Revision ID: 0010
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_status", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.drop_column("external_status")

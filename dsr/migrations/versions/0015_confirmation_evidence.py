"""confirmation evidence: the day a recipient's confirmation arrived and its reference; the
reason a legal hold was lifted

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmation_received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_note", sa.String(length=200), nullable=True))
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lift_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_column("lift_reason")
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.drop_column("confirmation_note")
        batch_op.drop_column("confirmation_received_on")

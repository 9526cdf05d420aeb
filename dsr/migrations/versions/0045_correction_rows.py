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
    with op.batch_alter_table("request_corrections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rows", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_corrections", schema=None) as batch_op:
        batch_op.drop_column("rows")

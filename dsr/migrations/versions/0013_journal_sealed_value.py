"""journal sealed value: a rectification's new value, encrypted, so a replay can set it again

Revision ID: 0013
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("erasure_journal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_value", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("erasure_journal", schema=None) as batch_op:
        batch_op.drop_column("sealed_value")

"""named consents and restriction grounds: the consents a withdrawal names, and the
Art. 18(1) ground of a restriction

Revision ID: 0046
Revises: 0045
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_consents", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("restriction_ground", sa.String(length=1), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_requests_restriction_ground"),
            "restriction_ground IS NULL OR restriction_ground IN ('a', 'b', 'c', 'd')")


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_requests_restriction_ground"), type_="check")
        batch_op.drop_column("restriction_ground")
        batch_op.drop_column("withdrawn_consents")

"""queue: a request's assignee, and the indexes of the queue's sort orders, filters and search

The deadline index is on ``coalesce(extended_due_on, due_on)``, the expression the queue sorts
and filters by; claims get a case-blind index on (kind, lower(value)) for the search by e-mail
address and customer number.

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_requests_assignee_id_users"), "users",
                                 ["assignee_id"], ["id"], ondelete="SET NULL")
    op.create_index(op.f("ix_requests_assignee_id"), "requests", ["assignee_id"])
    op.create_index("ix_requests_deadline", "requests",
                    [sa.text("coalesce(extended_due_on, due_on)"), "id"])
    op.create_index("ix_requests_received_at_id", "requests", ["received_at", "id"])
    op.create_index("ix_requests_channel", "requests", ["channel"])
    op.create_index("ix_identity_claims_kind_folded", "identity_claims",
                    ["kind", sa.text("lower(value)")])


def downgrade() -> None:
    # SQLite cannot reflect expression indexes, so a batch migration of another branch that
    # rebuilt the table on the way down has dropped them already
    op.drop_index("ix_identity_claims_kind_folded", table_name="identity_claims", if_exists=True)
    op.drop_index("ix_requests_channel", table_name="requests")
    op.drop_index("ix_requests_received_at_id", table_name="requests")
    op.drop_index("ix_requests_deadline", table_name="requests", if_exists=True)
    op.drop_index(op.f("ix_requests_assignee_id"), table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint(op.f("fk_requests_assignee_id_users"), type_="foreignkey")
        batch.drop_column("assignee_id")

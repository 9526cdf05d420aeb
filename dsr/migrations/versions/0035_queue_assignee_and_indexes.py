"""queue: a request's assignee, the users' saved views, and the indexes of the queue's sort
orders, filters and search

The deadline index is on ``coalesce(extended_due_on, due_on)``, the expression the queue sorts
and filters by (once for all requests, once for the open ones only); claims get a case-blind
index on (kind, lower(value)) for the search by e-mail address and customer number. On
PostgreSQL with the pg_trgm extension (a trusted extension: the database's owner may create
it) names get a trigram index for the search by a part of a name; where the extension cannot
be created, the search still works, by reading the names.

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

#: The open states when this migration was written (workflows.states.OPEN_STATES, sorted).
OPEN = ("awaiting_verification", "executing", "processing", "received", "review", "verified")


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_requests_assignee_id_users"), "users",
                                 ["assignee_id"], ["id"], ondelete="SET NULL")
    op.create_index(op.f("ix_requests_assignee_id"), "requests", ["assignee_id"])
    op.create_index("ix_requests_deadline", "requests",
                    [sa.text("coalesce(extended_due_on, due_on)"), "id"])
    open_only = sa.text("status IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")")
    op.create_index("ix_requests_open_deadline", "requests",
                    [sa.text("coalesce(extended_due_on, due_on)"), "id"],
                    postgresql_where=open_only, sqlite_where=open_only)
    op.create_index("ix_requests_received_at_id", "requests", ["received_at", "id"])
    op.create_index("ix_requests_channel", "requests", ["channel"])
    op.create_index("ix_identity_claims_kind_folded", "identity_claims",
                    ["kind", sa.text("lower(value)")])


    if op.get_bind().dialect.name == "postgresql":
        _name_trigrams()
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_views_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_views_user_id")),
    )


def _name_trigrams() -> None:
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions "
                                "WHERE name = 'pg_trgm'")).scalar():
        return
    attempt = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:  # not allowed to here: the name search reads the names instead
        attempt.rollback()
        return
    attempt.commit()
    op.create_index("ix_identity_claims_name_trigrams", "identity_claims",
                    [sa.text("lower(value) gin_trgm_ops")], postgresql_using="gin",
                    postgresql_where=sa.text("kind = 'name'"))


def downgrade() -> None:
    op.drop_table("saved_views")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_identity_claims_name_trigrams", table_name="identity_claims",
                      if_exists=True)  # the extension stays: other schemas may use it
    # SQLite cannot reflect expression indexes, so a batch migration of another branch that
    # rebuilt the table on the way down has dropped them already
    op.drop_index("ix_identity_claims_kind_folded", table_name="identity_claims", if_exists=True)
    op.drop_index("ix_requests_channel", table_name="requests")
    op.drop_index("ix_requests_received_at_id", table_name="requests")
    op.drop_index("ix_requests_open_deadline", table_name="requests", if_exists=True)
    op.drop_index("ix_requests_deadline", table_name="requests", if_exists=True)
    op.drop_index(op.f("ix_requests_assignee_id"), table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint(op.f("fk_requests_assignee_id_users"), type_="foreignkey")
        batch.drop_column("assignee_id")

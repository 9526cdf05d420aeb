"""user administration: deactivation, pending coordinator grants, TOTP, password reset links

``users.role`` may be empty while the only role granted waits for a coordinator's
confirmation; ``password_resets`` holds one-time links (token hashes only).

Revision ID: 0036
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.db import UTCDateTime

revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=True)
        batch_op.add_column(sa.Column("deactivated_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_role", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("pending_role_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pending_role_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("totp_enrolled_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_users_pending_role"),
                                         "pending_role IN ('coordinator')")
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_password_resets_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_password_resets_user_id"), table_name="password_resets")
    op.drop_table("password_resets")
    # An account whose only role still waited for confirmation had none: it goes back to staff
    # (no request contents) and stays unable to sign in.
    op.execute("UPDATE users SET active = false WHERE role IS NULL")
    op.execute("UPDATE users SET role = 'staff' WHERE role IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_pending_role"), type_="check")
        for column in ("totp_last_step", "totp_enrolled_at", "totp_secret", "pending_role_at",
                       "pending_role_by", "pending_role", "deactivated_at"):
            batch_op.drop_column(column)
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=False)

"""planned changes: plans, receipts, erasure journal, blocked records, legal holds,
suppression list, recipient notices

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _stamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("subject_key", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        _stamp("created_at"),
        _stamp("lifted_at", True),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.CheckConstraint("kind IN ('open_claim', 'collection', 'tax_audit')",
                           name=op.f("ck_legal_holds_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_table(
        "change_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("steps_done", sa.JSON(), nullable=False),
        _stamp("created_at"),
        _stamp("executed_at", True),
        sa.CheckConstraint("purpose IN ('request', 'retention', 'replay')",
                           name=op.f("ck_change_plans_purpose")),
        sa.CheckConstraint("status IN ('planned', 'executed', 'superseded')",
                           name=op.f("ck_change_plans_status")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_change_plans_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_plans")),
        sa.UniqueConstraint("request_id", "connector", "round",
                            name="uq_change_plans_request_round"),
    )
    op.create_index(op.f("ix_change_plans_request_id"), "change_plans", ["request_id"])
    op.create_table(
        "recipient_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("external_id", sa.String(length=250), nullable=True),
        _stamp("sent_at", True),
        _stamp("confirmed_at", True),
        sa.Column("confirmed_by", sa.String(length=120), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'confirmed')",
                           name=op.f("ck_recipient_notices_status")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_recipient_notices_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_notices")),
        sa.UniqueConstraint("request_id", "connector", "recipient",
                            name="uq_recipient_notices_request_recipient"),
    )
    op.create_index(op.f("ix_recipient_notices_request_id"), "recipient_notices", ["request_id"])
    op.create_table(
        "suppression_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_suppression_list_request_id_requests"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_list")),
        sa.UniqueConstraint("hash", "channel", name="uq_suppression_list_hash_channel"),
    )
    op.create_table(
        "change_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["plan_id"], ["change_plans.id"],
                                name=op.f("fk_change_receipts_plan_id_change_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_receipts")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_change_receipts_plan_id")),
    )
    op.create_table(
        "erasure_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("row_key", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["plan_id"], ["change_plans.id"],
                                name=op.f("fk_erasure_journal_plan_id_change_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_journal")),
    )
    op.create_index(op.f("ix_erasure_journal_plan_id"), "erasure_journal", ["plan_id"])
    op.create_index(op.f("ix_erasure_journal_subject_hash"), "erasure_journal",
                    ["subject_hash"])
    op.create_table(
        "retained_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("row_key", sa.JSON(), nullable=False),
        sa.Column("then", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("norm", sa.String(length=200), nullable=False),
        sa.Column("retained_until", sa.Date(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        _stamp("erased_at", True),
        sa.ForeignKeyConstraint(["hold_id"], ["legal_holds.id"],
                                name=op.f("fk_retained_records_hold_id_legal_holds")),
        sa.ForeignKeyConstraint(["plan_id"], ["change_plans.id"],
                                name=op.f("fk_retained_records_plan_id_change_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_records")),
    )
    op.create_index(op.f("ix_retained_records_plan_id"), "retained_records", ["plan_id"])
    op.create_index(op.f("ix_retained_records_retained_until"), "retained_records",
                    ["retained_until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_retained_records_retained_until"), table_name="retained_records")
    op.drop_index(op.f("ix_retained_records_plan_id"), table_name="retained_records")
    op.drop_table("retained_records")
    op.drop_index(op.f("ix_erasure_journal_subject_hash"), table_name="erasure_journal")
    op.drop_index(op.f("ix_erasure_journal_plan_id"), table_name="erasure_journal")
    op.drop_table("erasure_journal")
    op.drop_table("change_receipts")
    op.drop_table("suppression_list")
    op.drop_index(op.f("ix_recipient_notices_request_id"), table_name="recipient_notices")
    op.drop_table("recipient_notices")
    op.drop_index(op.f("ix_change_plans_request_id"), table_name="change_plans")
    op.drop_table("change_plans")
    op.drop_table("legal_holds")

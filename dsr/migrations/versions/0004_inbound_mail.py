"""inbound mail and letters: received messages, the triage list, classification corrections

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_basis', sa.String(length=30), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('words', sa.JSON(), nullable=False),
    sa.Column('channel_authenticated', sa.Boolean(), nullable=True),
    sa.Column('auth', sa.JSON(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('request', 'reply', 'reminder', 'triage')", name=op.f('ck_inbound_messages_action')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_inbound_messages_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_inbound_messages_request_id_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbound_messages_dedupe_key'))
    )
    op.create_index(op.f('ix_inbound_messages_created_at'), 'inbound_messages', ['created_at'], unique=False)
    op.create_index(op.f('ix_inbound_messages_request_id'), 'inbound_messages', ['request_id'], unique=False)
    op.create_table('classification_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('predicted_types', sa.JSON(), nullable=False),
    sa.Column('corrected_types', sa.JSON(), nullable=False),
    sa.Column('predicted_language', sa.String(length=2), nullable=False),
    sa.Column('corrected_language', sa.String(length=2), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_classification_corrections_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_classification_corrections_inbound_id_inbound_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_classification_corrections_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classification_corrections'))
    )
    op.create_index(op.f('ix_classification_corrections_request_id'), 'classification_corrections', ['request_id'], unique=False)
    op.create_table('triage_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_triage_entries_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_triage_entries_decided_by_id_users')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_triage_entries_inbound_id_inbound_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_triage_entries_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_entries'))
    )
    op.create_index(op.f('ix_triage_entries_inbound_id'), 'triage_entries', ['inbound_id'], unique=False)
    op.create_index(op.f('ix_triage_entries_request_id'), 'triage_entries', ['request_id'], unique=False)
    op.create_index(op.f('ix_triage_entries_status'), 'triage_entries', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_triage_entries_status'), table_name='triage_entries')
    op.drop_index(op.f('ix_triage_entries_request_id'), table_name='triage_entries')
    op.drop_index(op.f('ix_triage_entries_inbound_id'), table_name='triage_entries')
    op.drop_table('triage_entries')
    op.drop_index(op.f('ix_classification_corrections_request_id'), table_name='classification_corrections')
    op.drop_table('classification_corrections')
    op.drop_index(op.f('ix_inbound_messages_request_id'), table_name='inbound_messages')
    op.drop_index(op.f('ix_inbound_messages_created_at'), table_name='inbound_messages')
    op.drop_table('inbound_messages')

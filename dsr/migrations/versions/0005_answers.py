"""answers: register versions, redactions, deliveries and downloads, sealed answers, drafts

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('codes_sent', sa.Integer(), nullable=False),
    sa.Column('recipient_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_downloads', sa.Integer(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('files_deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_request_note', sa.Text(), nullable=True),
    sa.CheckConstraint("method != 'email' OR email_requested_at IS NOT NULL", name=op.f('ck_deliveries_email_on_request')),
    sa.CheckConstraint("method IN ('portal', 'email', 'letter')", name=op.f('ck_deliveries_method')),
    sa.CheckConstraint('downloads <= max_downloads', name=op.f('ck_deliveries_download_limit')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_deliveries_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_deliveries_token_hash'))
    )
    op.create_index(op.f('ix_deliveries_request_id'), 'deliveries', ['request_id'], unique=False)
    op.create_table('message_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_message_drafts_edited_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_message_drafts_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_drafts')),
    sa.UniqueConstraint('request_id', 'template', name='uq_message_drafts_request_template')
    )
    op.create_index(op.f('ix_message_drafts_request_id'), 'message_drafts', ['request_id'], unique=False)
    op.create_table('redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=60), nullable=False),
    sa.Column('table_name', sa.String(length=100), nullable=False),
    sa.Column('row_key', sa.String(length=200), nullable=False),
    sa.Column('column', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('term_encrypted', sa.Text(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('third_party', 'trade_secret', 'security')", name=op.f('ck_redactions_reason')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_redactions_created_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_redactions_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redactions'))
    )
    op.create_index(op.f('ix_redactions_request_id'), 'redactions', ['request_id'], unique=False)
    op.create_table('register_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('toml', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_register_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_versions')),
    sa.UniqueConstraint('number', name=op.f('uq_register_versions_number'))
    )
    op.create_table('download_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_download_events_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_download_events_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_events'))
    )
    op.create_index(op.f('ix_download_events_delivery_id'), 'download_events', ['delivery_id'], unique=False)
    op.create_table('sealed_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keep_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reduced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_sealed_answers_document_id_documents')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_sealed_answers_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_answers'))
    )
    op.create_index(op.f('ix_sealed_answers_request_id'), 'sealed_answers', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sealed_answers_request_id'), table_name='sealed_answers')
    op.drop_table('sealed_answers')
    op.drop_index(op.f('ix_download_events_delivery_id'), table_name='download_events')
    op.drop_table('download_events')
    op.drop_table('register_versions')
    op.drop_index(op.f('ix_redactions_request_id'), table_name='redactions')
    op.drop_table('redactions')
    op.drop_index(op.f('ix_message_drafts_request_id'), table_name='message_drafts')
    op.drop_table('message_drafts')
    op.drop_index(op.f('ix_deliveries_request_id'), table_name='deliveries')
    op.drop_table('deliveries')

"""subscriptions, consent, alerts, broadcasts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('title_pl', sa.String(length=255), nullable=False),
    sa.Column('title_en', sa.String(length=255), nullable=False),
    sa.Column('body_pl', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('osiedla', sa.JSON(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_active', ['status', 'valid_to'], unique=False)
        batch_op.create_index('uq_alerts_source_external', ['source', 'external_id'], unique=True)

    op.create_table('alert_preferences',
    sa.Column('resident_id', sa.BigInteger(), nullable=False),
    sa.Column('quiet_from', sa.String(length=5), nullable=False),
    sa.Column('quiet_to', sa.String(length=5), nullable=False),
    sa.Column('silent', sa.Boolean(), nullable=False),
    sa.Column('unreachable_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_alert_preferences_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_alert_preferences'))
    )
    op.create_table('broadcasts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('alert_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('osiedla', sa.JSON(), nullable=True),
    sa.Column('text_pl', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('unreachable', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_broadcasts_alert_id_alerts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    op.create_table('consent_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('resident_id', sa.BigInteger(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('osiedle', sa.String(length=96), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_consent_ledger_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_ledger'))
    )
    with op.batch_alter_table('consent_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_ledger_resident_id'), ['resident_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('resident_id', sa.BigInteger(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('osiedle', sa.String(length=96), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_subscriptions_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resident_id', 'topic', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_topic', ['topic', 'osiedle'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_id', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_broadcast_id'), ['broadcast_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_broadcast_id'))
        batch_op.drop_column('broadcast_id')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_topic')

    op.drop_table('subscriptions')
    with op.batch_alter_table('consent_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_ledger_resident_id'))

    op.drop_table('consent_ledger')
    op.drop_table('broadcasts')
    op.drop_table('alert_preferences')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_source_external')
        batch_op.drop_index('ix_alerts_active')

    op.drop_table('alerts')


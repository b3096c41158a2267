"""bookings, waste declarations, outbox ref

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('bookings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('resident_id', sa.BigInteger(), nullable=True),
    sa.Column('office', sa.String(length=32), nullable=False),
    sa.Column('matter', sa.String(length=40), nullable=False),
    sa.Column('desk', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_bookings_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('code', name=op.f('uq_bookings_code'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_day', ['office', 'matter', 'day', 'status'], unique=False)
        batch_op.create_index('ix_bookings_resident', ['resident_id', 'status', 'starts_at'], unique=False)
        batch_op.create_index('uq_bookings_active_slot', ['office', 'matter', 'desk', 'starts_at'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('waste_declarations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('resident_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('applies_from', sa.Date(), nullable=False),
    sa.Column('filer_name', sa.String(length=160), nullable=False),
    sa.Column('pesel', sa.String(length=11), nullable=True),
    sa.Column('nip', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('street', sa.String(length=128), nullable=False),
    sa.Column('house_number', sa.String(length=16), nullable=False),
    sa.Column('flat_number', sa.String(length=16), nullable=True),
    sa.Column('building_type', sa.String(length=24), nullable=False),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.Column('composting', sa.Boolean(), nullable=False),
    sa.Column('large_family', sa.Boolean(), nullable=False),
    sa.Column('monthly_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('rate_valid_from', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_waste_declarations_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_declarations'))
    )
    with op.batch_alter_table('waste_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waste_declarations_resident_id'), ['resident_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_ref'), ['ref'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_ref'))
        batch_op.drop_column('ref')

    with op.batch_alter_table('waste_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_declarations_resident_id'))

    op.drop_table('waste_declarations')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_active_slot', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_bookings_resident')
        batch_op.drop_index('ix_bookings_day')

    op.drop_table('bookings')


"""gifts register: gifts given to and received from clients, and a yearly limit per client

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 00:15:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workspace') as batch_op:
        batch_op.add_column(sa.Column('gift_limit', sa.Numeric(precision=12, scale=2),
                                      nullable=True))
        batch_op.add_column(sa.Column('gift_limit_currency', sa.String(length=3),
                                      nullable=False, server_default=''))
    op.create_table(
        'gift',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('company_id', sa.Integer(), nullable=True),
        sa.Column('direction', sa.Enum('given', 'received', name='gift_direction',
                                       native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('value', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('occasion', sa.String(length=200), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('contact_id IS NOT NULL OR company_id IS NOT NULL',
                           name=op.f('ck_gift_has_a_recipient')),
        sa.CheckConstraint('value IS NULL OR value >= 0', name=op.f('ck_gift_value_not_negative')),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'],
                                name=op.f('fk_gift_workspace_id_workspace'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'],
                                name=op.f('fk_gift_contact_id_contact'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'],
                                name=op.f('fk_gift_company_id_company'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['organiser.id'],
                                name=op.f('fk_gift_member_id_organiser'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['organiser.id'],
                                name=op.f('fk_gift_created_by_id_organiser'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gift')),
    )
    op.create_index('ix_gift_workspace_id_given_on', 'gift', ['workspace_id', 'given_on'])
    op.create_index(op.f('ix_gift_contact_id'), 'gift', ['contact_id'])
    op.create_index(op.f('ix_gift_company_id'), 'gift', ['company_id'])


def downgrade():
    op.drop_table('gift')
    with op.batch_alter_table('workspace') as batch_op:
        batch_op.drop_column('gift_limit_currency')
        batch_op.drop_column('gift_limit')

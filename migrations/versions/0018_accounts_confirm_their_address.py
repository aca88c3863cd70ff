"""accounts confirm their email address

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:00:00

A new account confirms its address through a single-use link before it can log in.
Accounts made before count as confirmed when they were made.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE organiser SET email_verified_at = created_at")
    op.create_table(
        'account_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'],
                                name=op.f('fk_account_token_organiser_id_organiser'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_account_token_token_digest')),
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_organiser_id'), ['organiser_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_organiser_id'))
    op.drop_table('account_token')
    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')

"""calendar answers: one entry for the whole event, and addresses that bounce

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 22:30:00

An event's own calendar SEQUENCE (the entry that stands for all its parts in a guest's
calendar before they answer), and on contacts when their address last bounced for good.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event') as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('contact') as batch_op:
        batch_op.add_column(sa.Column('email_bounced_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('email_bounce_reason', sa.String(length=300),
                                      nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('contact') as batch_op:
        batch_op.drop_column('email_bounce_reason')
        batch_op.drop_column('email_bounced_at')
    with op.batch_alter_table('event') as batch_op:
        batch_op.drop_column('calendar_sequence')

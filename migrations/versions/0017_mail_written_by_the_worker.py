"""mail written by the worker, and "not sent"

A guest's batch email is queued unwritten and written just before it is sent; one whose
invitation went away first is "not sent".

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 12:40:00

Messages already in the outbox were written when they were queued: they count as written
then.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD = ('queued', 'sending', 'sent', 'failed')
NEW = OLD + ('not_sent',)


def _status_check(values):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"status IN ({listed})"


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=True))
    op.execute("UPDATE message SET rendered_at = created_at")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_message_message_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_message_message_status'), _status_check(NEW))


def downgrade():
    op.execute("DELETE FROM message WHERE status = 'not_sent'")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_message_message_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_message_message_status'), _status_check(OLD))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('context')
        batch_op.drop_column('rendered_at')

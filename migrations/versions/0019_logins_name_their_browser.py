"""logins name their browser

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 17:05:00

The profile page lists where the account is logged in; each login keeps the browser's
User-Agent header from when it started. Logins from before have none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('login', schema=None) as batch_op:
        batch_op.drop_column('user_agent')

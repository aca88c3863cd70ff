"""guest page versions: one counter per event, moved by every change a guest page shows

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # No rows to fill in: an event without a row reads as version 0, and its first change
    # writes version 1.
    op.create_table(
        'guest_page_version',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'],
                                name=op.f('fk_guest_page_version_event_id_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_guest_page_version')),
    )


def downgrade():
    op.drop_table('guest_page_version')

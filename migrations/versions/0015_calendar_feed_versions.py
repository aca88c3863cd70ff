"""calendar feed versions: the feed's ETag and Last-Modified

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], name=op.f('fk_calendar_feed_organiser_id_organiser'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organiser_id', name=op.f('pk_calendar_feed'))
    )
    # Feeds that exist already: first served (as far as we know) now.
    op.execute("INSERT INTO calendar_feed (organiser_id, content_digest, changed_at) "
               "SELECT id, '', CURRENT_TIMESTAMP FROM organiser WHERE feed_nonce IS NOT NULL")


def downgrade():
    op.drop_table('calendar_feed')

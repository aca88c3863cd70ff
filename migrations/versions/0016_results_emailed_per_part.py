"""results emailed per part

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 10:05:00

A participant's result is emailed once per timed part: the result row keeps when. Results
already emailed (a "results" message to the guest whose subject names the part) count as
emailed, so nobody gets their result twice after the upgrade.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))

    op.execute(
        "UPDATE result SET emailed_at = ("
        " SELECT min(message.created_at) FROM message, activity"
        " WHERE activity.id = result.activity_id AND message.kind = 'results'"
        " AND message.invitation_id = result.invitation_id"
        " AND message.subject LIKE '%' || activity.name)")


def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('emailed_at')

"""incoming mail: calendar answers, proposals, delivery reports and replies to reply addresses

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 22:50:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

KINDS = ('answer', 'counter', 'bounce', 'auto_reply', 'message', 'unreadable')
OUTCOMES = ('applied', 'not_applied', 'to_confirm', 'shown')


def upgrade():
    op.create_table(
        'incoming_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('invitation_id', sa.Integer(), nullable=True),
        sa.Column('activity_id', sa.Integer(), nullable=True),
        sa.Column('message_id', sa.String(length=300), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='incoming_kind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('outcome', sa.Enum(*OUTCOMES, name='incoming_outcome', native_enum=False,
                                     create_constraint=True, length=20), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('uid', sa.String(length=255), nullable=False),
        sa.Column('partstat', sa.String(length=20), nullable=False),
        sa.Column('attendee', sa.String(length=254), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=True),
        sa.Column('stamped_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('proposed_start', sa.DateTime(timezone=True), nullable=True),
        sa.Column('proposed_end', sa.DateTime(timezone=True), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'],
                                name=op.f('fk_incoming_mail_workspace_id_workspace'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'],
                                name=op.f('fk_incoming_mail_event_id_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                                name=op.f('fk_incoming_mail_invitation_id_invitation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'],
                                name=op.f('fk_incoming_mail_activity_id_activity'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['organiser.id'],
                                name=op.f('fk_incoming_mail_confirmed_by_id_organiser'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incoming_mail')),
        sa.UniqueConstraint('message_id', 'recipient',
                            name=op.f('uq_incoming_mail_message_id_recipient')),
    )
    op.create_index('ix_incoming_mail_event_id_received_at', 'incoming_mail',
                    ['event_id', 'received_at'])
    op.create_index(op.f('ix_incoming_mail_workspace_id'), 'incoming_mail', ['workspace_id'])
    op.create_index(op.f('ix_incoming_mail_invitation_id'), 'incoming_mail', ['invitation_id'])


def downgrade():
    op.drop_table('incoming_mail')

"""hosts, table plans and the organiser's own questions: an event's hosts and each guest's
host, a member's phone, a contact's job title, the briefing setting; tables and seats at a
part; questions, their choices and the answers

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 02:22:13
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_host',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('briefing_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_host_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], name=op.f('fk_event_host_organiser_id_organiser'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'organiser_id', name=op.f('pk_event_host'))
    )
    with op.batch_alter_table('event_host', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_host_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('dinner_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('shape', sa.Enum('round', 'long', name='table_shape', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('seats >= 1 AND seats <= 200', name=op.f('ck_dinner_table_seats_range')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_dinner_table_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dinner_table')),
    sa.UniqueConstraint('activity_id', 'name', name=op.f('uq_dinner_table_activity_id_name'))
    )
    with op.batch_alter_table('dinner_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dinner_table_activity_id'), ['activity_id'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('choice', 'yes_no', 'text', name='question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('ask_plus_ones', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_question_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_question_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_event_id'), ['event_id'], unique=False)

    op.create_table('question_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('mark', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_choice_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_choice'))
    )
    with op.batch_alter_table('question_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_choice_question_id'), ['question_id'], unique=False)

    op.create_table('seat_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    sa.Column('person', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(invitation_id IS NULL) <> (organiser_id IS NULL)', name=op.f('ck_seat_place_guest_or_host')),
    sa.CheckConstraint('person >= 0', name=op.f('ck_seat_place_person_not_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_seat_place_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_seat_place_invitation_id_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], name=op.f('fk_seat_place_organiser_id_organiser'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['dinner_table.id'], name=op.f('fk_seat_place_table_id_dinner_table'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_place')),
    sa.UniqueConstraint('activity_id', 'invitation_id', 'person', name=op.f('uq_seat_place_activity_id_invitation_id_person')),
    sa.UniqueConstraint('activity_id', 'organiser_id', name=op.f('uq_seat_place_activity_id_organiser_id'))
    )
    with op.batch_alter_table('seat_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_place_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_place_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index('ix_seat_place_table_id', ['table_id'], unique=False)

    op.create_table('question_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('person', sa.Integer(), nullable=False),
    sa.Column('choice_id', sa.Integer(), nullable=True),
    sa.Column('yes', sa.Boolean(), nullable=True),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('person >= 0', name=op.f('ck_question_answer_person_not_negative')),
    sa.ForeignKeyConstraint(['choice_id'], ['question_choice.id'], name=op.f('fk_question_answer_choice_id_question_choice'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_question_answer_invitation_id_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_answer_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_answer')),
    sa.UniqueConstraint('invitation_id', 'question_id', 'person', name=op.f('uq_question_answer_invitation_id_question_id_person'))
    )
    with op.batch_alter_table('question_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_answer_choice_id'), ['choice_id'], unique=False)
        batch_op.create_index('ix_question_answer_question_id', ['question_id'], unique=False)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tables_allow_one_company', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('guests_see_table', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('briefing_days_before', sa.Integer(), nullable=True))

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitation_host_id'), ['host_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invitation_host_id_organiser'), 'organiser', ['host_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_title', sa.String(length=120), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=False,
                                      server_default=''))



def downgrade():
    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('job_title')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_host_id_organiser'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_host_id'))
        batch_op.drop_column('host_id')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('briefing_days_before')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('guests_see_table')
        batch_op.drop_column('tables_allow_one_company')

    with op.batch_alter_table('question_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_question_answer_question_id')
        batch_op.drop_index(batch_op.f('ix_question_answer_choice_id'))

    op.drop_table('question_answer')
    with op.batch_alter_table('seat_place', schema=None) as batch_op:
        batch_op.drop_index('ix_seat_place_table_id')
        batch_op.drop_index(batch_op.f('ix_seat_place_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_seat_place_invitation_id'))

    op.drop_table('seat_place')
    with op.batch_alter_table('question_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_choice_question_id'))

    op.drop_table('question_choice')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_event_id'))
        batch_op.drop_index(batch_op.f('ix_question_activity_id'))

    op.drop_table('question')
    with op.batch_alter_table('dinner_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dinner_table_activity_id'))

    op.drop_table('dinner_table')
    with op.batch_alter_table('event_host', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_host_organiser_id'))

    op.drop_table('event_host')

"""workspaces: a team owns the client book and the events

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 19:10:00

Each organiser gets a workspace of their own (same id as their account, named after them),
which they own, holding their contacts, companies, tags, series and events; their notes
become notes of that workspace written by them. Co-organisers stay on the events they were
added to as outside people, and see nothing else of the workspace: who sees what does not
change. Also: account managers on contacts and companies, private notes, invitations to join
a workspace, and the audit trail.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

#: Tables whose rows belonged to an organiser and now belong to a workspace, with the
#: column that was unique per organiser.
OWNED_TABLES = (('company', 'name'), ('contact', 'email'), ('tag', 'name'),
                ('event_series', 'name'))
ROLES = ('owner', 'admin', 'organiser', 'viewer')


def upgrade():
    op.create_table(
        'workspace',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('requires_two_factor', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace')),
    )
    op.create_table(
        'membership',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='member_role', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'],
                                name=op.f('fk_membership_organiser_id_organiser'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'],
                                name=op.f('fk_membership_workspace_id_workspace'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_membership')),
        sa.UniqueConstraint('workspace_id', 'organiser_id',
                            name=op.f('uq_membership_workspace_id_organiser_id')),
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_organiser_id'), ['organiser_id'])
        batch_op.create_index(batch_op.f('ix_membership_workspace_id'), ['workspace_id'])
    op.create_table(
        'join_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='join_role', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['invited_by_id'], ['organiser.id'],
                                name=op.f('fk_join_invitation_invited_by_id_organiser'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'],
                                name=op.f('fk_join_invitation_workspace_id_workspace'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_join_invitation')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_join_invitation_token_digest')),
    )
    with op.batch_alter_table('join_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_invitation_workspace_id'), ['workspace_id'])
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['organiser.id'],
                                name=op.f('fk_audit_entry_actor_id_organiser'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'],
                                name=op.f('fk_audit_entry_workspace_id_workspace'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        for column in ('workspace_id', 'event_id', 'contact_id', 'member_id'):
            batch_op.create_index(batch_op.f(f'ix_audit_entry_{column}'), [column])

    # Every organiser's own workspace, with the account's id, which they own.
    op.execute("INSERT INTO workspace (id, name, requires_two_factor, created_at) "
               "SELECT id, name, false, created_at FROM organiser")
    op.execute("INSERT INTO membership (workspace_id, organiser_id, role, created_at) "
               "SELECT id, id, 'owner', created_at FROM organiser")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('workspace', 'id'), "
                   "coalesce((SELECT max(id) FROM workspace), 0) + 1, false)")

    for table, unique_column in OWNED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('workspace_id', sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET workspace_id = organiser_id")  # nosec B608: fixed names
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_organiser_id_{unique_column}', type_='unique')
            batch_op.drop_constraint(f'fk_{table}_organiser_id_organiser', type_='foreignkey')
            batch_op.drop_column('organiser_id')
            batch_op.alter_column('workspace_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_workspace_id_workspace'),
                                        'workspace', ['workspace_id'], ['id'],
                                        ondelete='CASCADE')
            batch_op.create_unique_constraint(
                batch_op.f(f'uq_{table}_workspace_id_{unique_column}'),
                ['workspace_id', unique_column])

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workspace_id', sa.Integer(), nullable=True))
    op.execute("UPDATE event SET workspace_id = owner_id")
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('workspace_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_workspace_id_workspace'), 'workspace',
                                    ['workspace_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_event_workspace_id'), ['workspace_id'])

    for table in ('company', 'contact'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('account_manager_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_account_manager_id_organiser'), 'organiser',
                ['account_manager_id'], ['id'], ondelete='SET NULL')
            batch_op.create_index(batch_op.f(f'ix_{table}_account_manager_id'),
                                  ['account_manager_id'])

    with op.batch_alter_table('relationship_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('private', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # A note was its organiser's: its author is the organiser of its contact or company
    # (the workspace's id is theirs).
    op.execute("UPDATE relationship_note SET author_id = coalesce("
               "(SELECT workspace_id FROM contact WHERE contact.id = relationship_note.contact_id),"
               " (SELECT workspace_id FROM company WHERE company.id = relationship_note.company_id))")
    with op.batch_alter_table('relationship_note', schema=None) as batch_op:
        batch_op.alter_column('private', existing_type=sa.Boolean(), server_default=None)
        batch_op.create_foreign_key(batch_op.f('fk_relationship_note_author_id_organiser'),
                                    'organiser', ['author_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_relationship_note_author_id'), ['author_id'])


def downgrade():
    with op.batch_alter_table('relationship_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relationship_note_author_id'))
        batch_op.drop_constraint(batch_op.f('fk_relationship_note_author_id_organiser'),
                                 type_='foreignkey')
        batch_op.drop_column('private')
        batch_op.drop_column('author_id')
    for table in ('company', 'contact'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_account_manager_id'))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_account_manager_id_organiser'),
                                     type_='foreignkey')
            batch_op.drop_column('account_manager_id')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_workspace_id'))
        batch_op.drop_constraint(batch_op.f('fk_event_workspace_id_workspace'),
                                 type_='foreignkey')
        batch_op.drop_column('workspace_id')
    # Back to one owner per row: the workspace's first owner.
    first_owner = ("(SELECT min(organiser_id) FROM membership WHERE role = 'owner' "
                   "AND membership.workspace_id = {table}.workspace_id)")
    for table, unique_column in OWNED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('organiser_id', sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET organiser_id = "  # nosec B608: fixed names
                   + first_owner.format(table=table))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_workspace_id_{unique_column}', type_='unique')
            batch_op.drop_constraint(f'fk_{table}_workspace_id_workspace', type_='foreignkey')
            batch_op.drop_column('workspace_id')
            batch_op.alter_column('organiser_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(f'fk_{table}_organiser_id_organiser', 'organiser',
                                        ['organiser_id'], ['id'], ondelete='CASCADE')
            batch_op.create_unique_constraint(f'uq_{table}_organiser_id_{unique_column}',
                                              ['organiser_id', unique_column])
    op.drop_table('audit_entry')
    op.drop_table('join_invitation')
    op.drop_table('membership')
    op.drop_table('workspace')

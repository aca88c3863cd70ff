"""The lock that keeps a workspace's members true across processes: it always has an owner.

Every change to who is a member and with what role (a role changed, a member removed or
leaving, ownership handed on, an invitation accepted) takes the workspace's lock first and
then reads the memberships afresh, so two admins changing the same members at once decide
one after the other, each on what the other committed.

PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the workspace's row (rows that merely refer to
it, such as a new membership, do not wait for it). SQLite: a no-op UPDATE of the row, which
takes the database's single write lock, as ``events.locking`` does.
"""

from __future__ import annotations

from sqlalchemy import select, update

from eventplanner.auth.models import Membership, Workspace
from eventplanner.extensions import db


def lock_members(workspace_id: int) -> list[Membership]:
    """Wait for, then hold until commit or rollback, the lock of the workspace's members;
    returns its memberships as they are now (read afresh after the lock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Workspace.id).where(Workspace.id == workspace_id)
                           .with_for_update(key_share=True))
    else:
        db.session.execute(update(Workspace).where(Workspace.id == workspace_id)
                           .values(name=Workspace.name)
                           .execution_options(synchronize_session=False))
    return list(db.session.scalars(
        select(Membership).where(Membership.workspace_id == workspace_id)
        .order_by(Membership.id).execution_options(populate_existing=True)))

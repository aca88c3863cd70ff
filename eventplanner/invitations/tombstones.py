"""Tombstones of invitations removed or erased by a statement rather than through the
session (a contact deleted with their invitations by the database's cascade, an erasure's
bulk update), so an API sync of the guests learns of them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eventplanner.deletions.models import Gone
from eventplanner.deletions.recording import bury
from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.invitations.models import Invitation


def bury_invitations(invitation_ids: Iterable[int], reason: Gone) -> None:
    """A tombstone for each of these invitations (call before they are deleted)."""
    ids = sorted(set(invitation_ids))
    if not ids:
        return
    rows = db.session.execute(
        select(Invitation.id, Invitation.event_id, Event.workspace_id)
        .join(Event, Event.id == Invitation.event_id).where(Invitation.id.in_(ids)))
    by_event: dict[tuple[int, int], list[int]] = {}
    for invitation_id, event_id, workspace_id in rows:
        by_event.setdefault((workspace_id, event_id), []).append(invitation_id)
    for (workspace_id, event_id), grouped in by_event.items():
        bury(db.session, workspace_id, "invitation", grouped, event_id=event_id,
             reason=reason)

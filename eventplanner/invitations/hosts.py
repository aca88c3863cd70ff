"""Who looks after which guest: an event's hosts (members of the team) and each guest's host.

A guest's host is the member named on their invitation while that member hosts the event,
else their account manager (their own, or their company's) when that member hosts, else
nobody yet. Nothing is copied: a host removed from the event (or the team) stops being anyone's
host at once, and their guests fall back to their account manager or to "no host".
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eventplanner.auth.models import Organiser
from eventplanner.events.models import Event, EventHost
from eventplanner.extensions import db
from eventplanner.invitations.models import Invitation


def event_hosts(event: Event) -> list[Organiser]:
    """The members hosting ``event``, by name."""
    return list(db.session.scalars(
        select(Organiser).join(EventHost, EventHost.organiser_id == Organiser.id)
        .where(EventHost.event_id == event.id).order_by(Organiser.name, Organiser.id)))


def host_ids(event: Event) -> set[int]:
    """The ids of the members hosting ``event``."""
    return set(db.session.scalars(
        select(EventHost.organiser_id).where(EventHost.event_id == event.id)))


def host_id_of(invitation: Invitation, hosting: set[int]) -> int | None:
    """The id of the guest's host, given the ids of the event's hosts: the member named on
    the invitation if they host, else the guest's account manager if they host."""
    if invitation.host_id is not None and invitation.host_id in hosting:
        return invitation.host_id
    manager = invitation.contact.looked_after_by
    if manager is not None and manager.id in hosting:
        return manager.id
    return None


def host_ids_by_invitation(event: Event,
                           invitations: Iterable[Invitation]) -> dict[int, int | None]:
    """Each invitation's host id (or None), by invitation id. The invitations' contacts,
    with their companies and account managers, should be loaded."""
    hosting = host_ids(event)
    return {invitation.id: host_id_of(invitation, hosting) for invitation in invitations}

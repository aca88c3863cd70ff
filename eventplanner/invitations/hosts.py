"""Who looks after which guest: an event's hosts (members of the team) and each guest's host.

A guest's host is the member named on their invitation while that member hosts the event,
else their account manager (their own, or their company's) when that member hosts, else
nobody yet. Nothing is copied: a host removed from the event (or the team) stops being anyone's
host at once, and their guests fall back to their account manager or to "no host".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import members_of
from eventplanner.errors import InvalidInput, NotFound
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Event, EventHost
from eventplanner.events.signals import hosts_removed
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


# --- choosing hosts ----------------------------------------------------------------------


class NotAHost(InvalidInput):
    default_message = _l("Choose one of the event's hosts.")


class NotAMemberOfTheTeam(InvalidInput):
    default_message = _l("Only members of the team can host an event.")


def set_event_hosts(event: Event, member_ids: Iterable[int], actor: Organiser) -> list[str]:
    """Make exactly these members of the event's workspace its hosts. A host who stops
    hosting is nobody's host from now on (their guests fall back to their account manager
    if that member hosts). Returns the names of those added and removed, for a message.
    ``NotAMemberOfTheTeam`` if one is not a member of the workspace."""
    wanted = set(member_ids)
    lock_events([event.id])
    members = {organiser.id: organiser for organiser in members_of(event.workspace_id)}
    if not wanted <= members.keys():
        raise NotAMemberOfTheTeam()
    rows = {row.organiser_id: row for row in db.session.scalars(
        select(EventHost).where(EventHost.event_id == event.id))}
    added = sorted(wanted - rows.keys())
    removed = sorted(rows.keys() - wanted)
    for organiser_id in added:
        db.session.add(EventHost(event_id=event.id, organiser_id=organiser_id))
    for organiser_id in removed:
        db.session.delete(rows[organiser_id])
    db.session.flush()
    if removed:
        hosts_removed.send(current_app._get_current_object(), event_ids=[event.id],
                           organiser_ids=removed)
    if added or removed:
        record(event.workspace_id, actor, "event.hosts_changed", event_id=event.id, details={
            "added": [members[i].name for i in added],
            "removed": [_name(rows[i]) for i in removed]})
    return [members[i].name for i in added] + [_name(rows[i]) for i in removed]


def _name(row: EventHost) -> str:
    return row.organiser.name if row.organiser is not None else ""


def _guests(event: Event) -> list[Invitation]:
    """The event's invitations (not revoked), with what finding their host reads."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact).joinedload(Contact.company)
                 .joinedload(Company.account_manager),
                 joinedload(Invitation.contact).joinedload(Contact.account_manager))
        .order_by(Invitation.id)).unique())


def _checked_host(event: Event, host_id: int | None) -> set[int]:
    """Take the event's lock; the ids of its hosts, read after it. ``NotAHost`` unless
    ``host_id`` (None: no choice) is one of them."""
    lock_events([event.id])
    hosting = host_ids(event)
    if host_id is not None and host_id not in hosting:
        raise NotAHost()
    return hosting


def assign_host(event: Event, invitation_ids: Iterable[int], host_id: int | None,
                actor: Organiser) -> int:
    """Name ``host_id`` (one of the event's hosts) as the host of these guests of the
    event; None takes the choice back (their account manager hosts them if hosting).
    Returns how many guests changed. ``NotFound`` if an id is not a guest of the event."""
    _checked_host(event, host_id)
    wanted = set(invitation_ids)
    guests = [g for g in _guests(event) if g.id in wanted]
    if len(guests) != len(wanted):
        raise NotFound()
    return _name_host(event, guests, host_id, actor)


def assign_company_host(event: Event, company_id: int, host_id: int,
                        actor: Organiser) -> int:
    """Name ``host_id`` as the host of every guest of the event from one company."""
    _checked_host(event, host_id)
    guests = [g for g in _guests(event) if g.contact.company_id == company_id]
    if not guests:
        raise NotFound(_l("Nobody from that company is invited to this event."))
    return _name_host(event, guests, host_id, actor)


def share_unhosted_evenly(event: Event, actor: Organiser) -> int:
    """Give every guest without a host one, so that each host ends with about as many
    guests as the others: guests of one company go to one host together, the largest
    companies first, each to the host with the fewest guests so far. Returns how many
    guests got a host. ``NotAHost`` if the event has no hosts."""
    hosting = _checked_host(event, None)
    if not hosting:
        raise NotAHost(_l("Choose the event's hosts first."))
    guests = _guests(event)
    load = Counter({host: 0 for host in hosting})
    by_company: dict[object, list[Invitation]] = {}
    for guest in guests:
        host = host_id_of(guest, hosting)
        if host is not None:
            load[host] += 1
        else:
            key = guest.contact.company_id or f"contact-{guest.contact_id}"
            by_company.setdefault(key, []).append(guest)
    changed = 0
    for group in sorted(by_company.values(), key=lambda g: (-len(g), g[0].id)):
        host = min(sorted(load), key=lambda h: load[h])
        load[host] += len(group)
        changed += _name_host(event, group, host, actor, audit=False)
    if changed:
        record(event.workspace_id, actor, "event.hosts_shared", event_id=event.id,
               details={"guests": changed})
    return changed


def _name_host(event: Event, guests: list[Invitation], host_id: int | None,
               actor: Organiser, audit: bool = True) -> int:
    changed = [g for g in guests if g.host_id != host_id]
    for guest in changed:
        guest.host_id = host_id
    db.session.flush()
    if changed and audit:
        record(event.workspace_id, actor, "event.guest_hosts_changed", event_id=event.id,
               details={"guests": len(changed), "host": host_id})
    return len(changed)


def guests_by_host(event: Event) -> tuple[list[Organiser], dict[int | None, list[Invitation]]]:
    """The event's hosts, and its guests (not revoked) by host id (None: no host yet),
    each list by name."""
    hosts = event_hosts(event)
    hosting = {host.id for host in hosts}
    grouped: dict[int | None, list[Invitation]] = {host.id: [] for host in hosts}
    grouped[None] = []
    for guest in sorted(_guests(event), key=lambda g: (g.contact.name.lower(), g.id)):
        grouped[host_id_of(guest, hosting)].append(guest)
    return hosts, grouped


def host_of_guest(invitation: Invitation) -> Organiser | None:
    """The guest's host (``host_id_of``) for their page, in one query: the member named on
    the invitation, else the one who looks after them, if that member hosts the event."""
    contact = invitation.contact
    manager = contact.account_manager_id
    if manager is None and contact.company_id is not None:
        manager = select(Company.account_manager_id).where(
            Company.id == contact.company_id).scalar_subquery()
    hosting = select(EventHost.organiser_id).where(EventHost.event_id == invitation.event_id)
    named = invitation.host_id if invitation.host_id is not None else -1
    rows = db.session.execute(
        select(Organiser, Organiser.id == named)
        .where(or_(Organiser.id == named, Organiser.id == manager),
               Organiser.id.in_(hosting))).all()
    return max(rows, key=lambda row: bool(row[1]))[0] if rows else None

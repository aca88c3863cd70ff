"""Inviting contacts to an event (and last edition's guests to the next one), sending the
invitation emails, and queueing one email to one guest.

Services add and flush; the caller commits once. Every email is queued in the outbox in
the same transaction as the change that causes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import contains_eager, joinedload, subqueryload

from eventplanner.auth.models import Organiser
from eventplanner.calendar.ics import Method
from eventplanner.contacts.models import Contact
from eventplanner.contacts.services import contact_ids_with_tag
from eventplanner.errors import InvalidState, NotFound
from eventplanner.events.models import Event, EventStatus
from eventplanner.extensions import db
from eventplanner.invitations.errors import EventCancelled
from eventplanner.invitations.guest_calendar import CalendarMessage, invitation_calendar
from eventplanner.invitations.guest_mail import GuestMailBatch, render_guest_email
from eventplanner.invitations.links import invitation_link, refuse_if_erased
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.signals import announce, invitations_created
from eventplanner.mail.outbox import queue_message
from eventplanner.tokens import (
    make_token,
    new_nonce,
    token_digest,
    token_key,
)

MAX_PLUS_ONES = 20


@dataclass

class InviteReport:
    invited: list[Invitation] = field(default_factory=list)
    already_invited: int = 0


def invitations_of(event: Event) -> list[Invitation]:
    """All the event's invitations with contact, company and answers loaded, by name.

    Three queries whatever the number (``subqueryload`` does not split into chunks).
    """
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id)
        .join(Invitation.contact)
        .options(
            contains_eager(Invitation.contact).joinedload(Contact.company),
            subqueryload(Invitation.responses),
        )
        .order_by(func.lower(Contact.name), Invitation.id)
    ).unique())


def get_invitation_of(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.event_id == event.id))
    if invitation is None:
        raise NotFound()
    return invitation


def invited_contact_ids(event: Event) -> set[int]:
    return set(db.session.scalars(
        select(Invitation.contact_id).where(Invitation.event_id == event.id)))


def choose_contacts(organiser: Organiser, contact_ids: list[int], company_id: int | None,
                    tag: str) -> list[int]:
    """The organiser's contacts picked one by one, plus a whole company, plus a tag."""
    chosen = set(contact_ids or [])
    if company_id:
        chosen |= set(db.session.scalars(select(Contact.id).where(
            Contact.workspace_id == organiser.workspace_id, Contact.company_id == company_id)))
    if tag:
        chosen |= set(contact_ids_with_tag(organiser, tag))
    return sorted(chosen)


def invite_contacts(event: Event, organiser: Organiser, contact_ids: list[int],
                    plus_ones_allowed: int, *, send: bool, now: datetime) -> InviteReport:
    """Invite contacts of the workspace the organiser works in; someone invited already is
    left as they are.

    With ``send`` the invitation emails are queued now, which needs a published event.
    """
    return _invite_from_workspace(event, organiser.workspace_id or 0, contact_ids,
                                  plus_ones_allowed, send=send, now=now)


def _invite_from_workspace(event: Event, workspace_id: int, contact_ids: list[int],
                           plus_ones_allowed: int, *, send: bool, now: datetime
                           ) -> InviteReport:
    if event.is_cancelled:
        raise EventCancelled()
    if send and event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations, or invite "
                              "without sending."))
    if not 0 <= plus_ones_allowed <= MAX_PLUS_ONES:
        raise InvalidState(_l("Plus-ones must be between 0 and %(max)d.", max=MAX_PLUS_ONES))
    wanted = set(contact_ids)
    already = set(db.session.scalars(select(Invitation.contact_id).where(
        Invitation.event_id == event.id, Invitation.contact_id.in_(wanted))))
    contacts = db.session.scalars(
        select(Contact).where(Contact.workspace_id == workspace_id,
                              Contact.id.in_(wanted - already), Contact.erased_at.is_(None))
        .order_by(Contact.id)).all()
    report = InviteReport(already_invited=len(already))
    if not contacts:
        return report
    # Bulk statements rather than 5,000 ORM objects: inviting a whole address book stays
    # within seconds. The link digest needs the id, so it is set right after the insert.
    nonces = {contact.id: new_nonce() for contact in contacts}
    created = db.session.execute(
        insert(Invitation).returning(Invitation.id, Invitation.contact_id),
        [{"event_id": event.id, "contact_id": contact_id, "plus_ones_allowed": plus_ones_allowed,
          "token_nonce": nonce, "plus_one_names": [], "created_at": now, "updated_at": now}
         for contact_id, nonce in nonces.items()],
    ).all()
    key = token_key()
    db.session.execute(update(Invitation), [
        {"id": invitation_id,
         "token_digest": token_digest(make_token("invitation", invitation_id,
                                                 nonces[contact_id], key))}
        for invitation_id, contact_id in created])
    report.invited = list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.id.in_([row.id for row in created]))
        .options(joinedload(Invitation.contact)).order_by(Invitation.id)))
    if send:
        send_invitations(event, report.invited, now)
    db.session.flush()
    announce(invitations_created, event=event, invitations=report.invited)
    return report


def send_invitations(event: Event, invitations: list[Invitation], now: datetime) -> int:
    """Queue the invitation email for each invitation not sent yet. Returns how many."""
    if event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations."))
    batch = GuestMailBatch(event, "invitation",
                           _l("Invitation: %(title)s", title=event.title), calendar=True)
    for invitation in invitations:
        if invitation.sent_at is None and not invitation.is_revoked:
            batch.add(invitation)
            invitation.sent_at = now
    db.session.flush()
    return batch.write()


def resend_invitation(invitation: Invitation, now: datetime) -> Invitation:
    """Send the invitation email again, with the current link (after a new link, say)."""
    if invitation.event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations."))
    if invitation.is_revoked:
        raise InvalidState(_l("This guest's link is revoked: make a new one first."))
    refuse_if_erased(invitation)
    queue_guest_email(invitation, "invitation", _l("Invitation: %(title)s",
                                                    title=invitation.event.title),
                       calendar=invitation_calendar(invitation))
    invitation.sent_at = invitation.sent_at or now
    db.session.flush()
    return invitation


def queue_guest_email(invitation: Invitation, kind: str, subject,
                       calendar: CalendarMessage | None = None, **context) -> None:
    """One email to one guest (a confirmation, a place from the waitlist, an update),
    written now: it tells what is true at this moment.

    ``calendar``: the calendar message that goes with it (one entry, with the guest's
    answer).
    """
    language = invitation.guest_language
    with force_locale(language):
        subject = str(subject)
    queue_message(
        kind=kind, to=invitation.contact.email, to_name=invitation.contact.name,
        subject=subject, event_id=invitation.event_id, invitation_id=invitation.id,
        reply_to=invitation.event.host_email,
        email=render_guest_email(invitation, kind, invitation_link(invitation),
                                 language=language, calendar=calendar, **context))


def _calendar_entry_subject(message: CalendarMessage, title: str):
    if message.method is Method.CANCEL:
        return _l("Removed from your calendar: %(title)s", title=title)
    return _l("In your calendar: %(title)s", title=title)


def queue_calendar_entries(invitation: Invitation, messages: Iterable[CalendarMessage]) -> int:
    """A short email for each calendar message that did not fit in the email it belongs
    to (an email carries one calendar object). Returns how many."""
    count = 0
    for message in messages:
        title = message.title(invitation.event)
        queue_guest_email(invitation, "calendar_entry",
                           _calendar_entry_subject(message, title),
                           calendar=message, entry_title=title,
                           removed=message.method is Method.CANCEL,
                           whole_event=message.activity is None)
        count += 1
    return count


def reinvite_guests(previous: Event, edition: Event, now: datetime) -> int:
    """Invite last edition's guests (not revoked) to the new one, with the same plus-ones.
    Nothing is sent: the new edition is a draft. Returns how many were invited."""
    groups: dict[tuple[int, int], list[int]] = {}
    for invitation in db.session.scalars(
            select(Invitation).where(Invitation.event_id == previous.id,
                                     Invitation.revoked_at.is_(None))
            .options(joinedload(Invitation.contact))).unique():
        key = (invitation.contact.workspace_id, invitation.plus_ones_allowed)
        groups.setdefault(key, []).append(invitation.contact_id)
    invited = 0
    for (workspace_id, plus_ones), contact_ids in groups.items():
        report = _invite_from_workspace(edition, workspace_id, contact_ids, plus_ones,
                                        send=False, now=now)
        invited += len(report.invited)
    return invited

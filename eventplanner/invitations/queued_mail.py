"""The delivery worker's side of guests' batch emails: each queued row written from its
invitation as it is just before sending, with the link that works then.

Handed to the worker by the app (``mail.rendering.set_message_renderer``): ``mail`` sits
below ``invitations`` and imports nothing from it.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.contacts.models import Contact
from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.invitations.guest_mail import render_guest_email
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import Invitation
from eventplanner.mail.models import Message
from eventplanner.mail.rendering import EventFragments, NotSent, NotWritten, RenderedEmail
from eventplanner.urls import absolute_url

DELETED = _l("Not sent: the invitation was deleted before the email was written.")
ERASED = _l("Not sent: the guest's personal data was erased before the email was written.")
REVOKED = _l("Not sent: the guest's link was revoked before the email was written.")


def _invitations(ids: set[int]) -> dict[int, Invitation]:
    """The invitations with everything their emails show, in four queries."""
    return {invitation.id: invitation for invitation in db.session.scalars(
        select(Invitation).where(Invitation.id.in_(ids))
        .options(joinedload(Invitation.contact).joinedload(Contact.company),
                 joinedload(Invitation.event).selectinload(Event.activities),
                 selectinload(Invitation.responses)))}


def _why_not_sent(invitation: Invitation | None):
    if invitation is None:
        return DELETED
    if invitation.anonymised_at is not None or invitation.contact.erased_at is not None:
        return ERASED
    if invitation.is_revoked:
        return REVOKED
    return None


def _for_the_organiser(reason, event_id: int | None) -> str:
    event = db.session.get(Event, event_id) if event_id is not None else None
    with force_locale(event.owner.language if event is not None else None):
        return str(reason)


def write_queued_guest_messages(
        messages: list[Message]) -> dict[int, RenderedEmail | NotSent | NotWritten]:
    """Message id -> what it says, or why it is not sent any more (in the language of the
    event's owner, who reads the outbox), or the template's error."""
    invitations = _invitations({m.invitation_id for m in messages if m.invitation_id})
    fragments: dict[int, EventFragments] = {}
    written: dict[int, RenderedEmail | NotSent] = {}
    for message in messages:
        invitation = invitations.get(message.invitation_id)
        reason = _why_not_sent(invitation)
        if reason is not None:
            written[message.id] = NotSent(_for_the_organiser(reason, message.event_id))
            continue
        context = message.context or {}
        event = invitation.event
        link = absolute_url(context.get("link", "rsvp.guest_page"),
                            token=invitation_token(invitation))
        try:
            written[message.id] = render_guest_email(
                invitation, message.kind, link, language=context.get("language"),
                calendar=event.activities if context.get("calendar") else (),
                fragments=fragments.setdefault(event.id, EventFragments(event)))
        except TemplateError as error:
            written[message.id] = NotWritten(f"{type(error).__name__}: {error}")
    return written

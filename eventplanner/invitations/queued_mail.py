"""The delivery worker's side of guests' queued emails (batches, and the confirmation of
an answer): each queued row written from its invitation as it is just before sending,
with the link that works then. The calendar messages that do not fit in the email (it
carries one calendar object) are queued as short emails of their own, written at once.

Handed to the worker by the app (``mail.rendering.set_message_renderer``): ``mail`` sits
below ``invitations`` and imports nothing from it.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.calendar.ics import Method
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.invitations.guest_calendar import (
    CANCEL_WHOLE_EVENT,
    CHANGED_PARTS,
    CalendarMessage,
    calendar_after_answer,
    entries_held,
    invitation_calendar,
)
from eventplanner.invitations.guest_mail import render_guest_email
from eventplanner.invitations.inviting import queue_calendar_entries
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import Invitation
from eventplanner.mail.models import Message
from eventplanner.mail.rendering import EventFragments, NotSent, NotWritten, RenderedEmail
from eventplanner.urls import absolute_url

DELETED = _l("Not sent: the invitation was deleted before the email was written.")
ERASED = _l("Not sent: the guest's personal data was erased before the email was written.")
REVOKED = _l("Not sent: the guest's link was revoked before the email was written.")
REPLACED = _l("Not sent: the guest answered again before it was written; the later "
              "confirmation says what holds.")
#: Emails that tell the guest's answers as they are when written: a later one of the same
#: kind to the same guest replaces one not written yet, so the guest gets one email with
#: what holds, not two that both say it.
REPLACED_BY_LATER = ("confirmation",)


def _invitations(ids: set[int]) -> dict[int, Invitation]:
    """The invitations with everything their emails show, in four queries."""
    return {invitation.id: invitation for invitation in db.session.scalars(
        select(Invitation).where(Invitation.id.in_(ids))
        .options(joinedload(Invitation.contact).joinedload(Contact.company),
                 joinedload(Invitation.event).selectinload(Event.activities),
                 selectinload(Invitation.responses)))}


def _latest_of_kind(messages: list[Message]) -> dict[tuple[int, str], int]:
    """(invitation id, kind) -> the id of the latest such email in the outbox, for the
    kinds that a later email replaces."""
    ids = {m.invitation_id for m in messages if m.kind in REPLACED_BY_LATER and m.invitation_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Message.invitation_id, Message.kind, func.max(Message.id))
        .where(Message.invitation_id.in_(ids), Message.kind.in_(REPLACED_BY_LATER))
        .group_by(Message.invitation_id, Message.kind))
    return {(invitation_id, kind): latest for invitation_id, kind, latest in rows}


def _why_not_sent(invitation: Invitation | None, message: Message,
                  latest: dict[tuple[int, str], int]):
    if invitation is None:
        return DELETED
    if invitation.anonymised_at is not None or invitation.contact.erased_at is not None:
        return ERASED
    if invitation.is_revoked:
        return REVOKED
    if latest.get((invitation.id, message.kind), message.id) > message.id:
        return REPLACED
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
    latest = _latest_of_kind(messages)
    fragments: dict[int, EventFragments] = {}
    written: dict[int, RenderedEmail | NotSent] = {}
    for message in messages:
        invitation = invitations.get(message.invitation_id)
        reason = _why_not_sent(invitation, message, latest)
        if reason is not None:
            written[message.id] = NotSent(_for_the_organiser(reason, message.event_id))
            continue
        context = message.context or {}
        event = invitation.event
        link = absolute_url(context.get("link", "rsvp.guest_page"),
                            token=invitation_token(invitation))
        calendar = calendar_messages(invitation, message.kind, context)
        try:
            written[message.id] = render_guest_email(
                invitation, message.kind, link, language=context.get("language"),
                calendar=calendar[0] if calendar else None,
                fragments=fragments.setdefault(event.id, EventFragments(event)))
        except TemplateError as error:
            written[message.id] = NotWritten(f"{type(error).__name__}: {error}")
            continue
        queue_calendar_entries(invitation, calendar[1:])
    return written


def calendar_messages(invitation: Invitation, kind: str, context: dict) -> list[CalendarMessage]:
    """The calendar messages a queued email brings, from the invitation as it is now: the
    email carries the first, and each other goes in a short email of its own.

    An invitation: the only part's entry or the whole event's, none once the guest has
    answered. A confirmation: what changed in the guest's calendar since the answers
    noted in its ``context`` when it was queued (``answers.py``)."""
    if not context.get("calendar"):
        return []
    if kind == "confirmation" and CHANGED_PARTS in context:
        return calendar_after_answer(invitation, context[CHANGED_PARTS],
                                     bool(context.get(CANCEL_WHOLE_EVENT)))
    if kind == "confirmation":  # queued before confirmations noted their changes
        return entries_held(invitation, Method.REQUEST)
    first = invitation_calendar(invitation)
    return [first] if first is not None else []

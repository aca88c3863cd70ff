"""Emails to guests, each written from the real invitation, contact, event and parts, with
the guest's real personal link, through one function (``render_guest_email``).

A single email that tells a fact of one moment (a place from the waitlist, a changed
part as it was before) is written at once, in the request that causes it. An email to
many guests (invitations, reminders, feedback requests), and the confirmation of a
guest's answer, are queued as a light row (``GuestMailBatch``) and written by the
delivery worker just before it is sent (``invitations.queued_mail``), so inviting 5,000
costs no rendering in the request, every guest gets their link as it is then, and a
confirmation says the guest's answers as they are when it goes out.
"""

from __future__ import annotations

from flask_babel import force_locale

from eventplanner.events.models import Event
from eventplanner.invitations.guest_calendar import CalendarMessage, calendar_message_file
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.reply_address import reply_address
from eventplanner.mail.outbox import queue_to_write_later
from eventplanner.mail.rendering import EventFragments, RenderedEmail, render_email

#: The calendar message sent with an email (one calendar object: RFC 5546 3.2).
CALENDAR_FILENAME = "invite.ics"


def render_guest_email(invitation: Invitation, template: str, link: str, *,
                       language: str | None = None, calendar: CalendarMessage | None = None,
                       fragments: EventFragments | None = None, **context) -> RenderedEmail:
    """One guest's email in their language: ``templates/emails/<template>.*`` with the
    event, the invitation, the guest (their contact) and their link, and ``calendar`` (one
    part's entry or the whole event's) as a calendar message with their answer.

    Its delivery reports go to the invitation's reply address, where one is configured.
    ``fragments`` shares the programme's rendering between the guests of one event.
    """
    event = invitation.event
    language = language or invitation.guest_language
    fragments = fragments or EventFragments(event)
    attachments = ()
    if calendar is not None:
        with force_locale(language):
            content = calendar_message_file(invitation, link, calendar)
        attachments = ((CALENDAR_FILENAME, f"text/calendar; method={calendar.method.value}",
                        content.decode("utf-8")),)
    email = render_email(template, language, event=event, invitation=invitation,
                         guest=invitation.contact, link=link,
                         **fragments.for_language(language), **context)
    return RenderedEmail(email.text, email.html, attachments,
                         envelope_from=reply_address(invitation) or "")


class GuestMailBatch:
    """One email about an event to many guests, queued to be written by the delivery
    worker: a row per guest, and the subject translated once per language."""

    def __init__(self, event: Event, kind: str, subject, *, link: str = "rsvp.guest_page",
                 calendar: bool = False) -> None:
        """``link``: the endpoint of the guest's personal link in the email; ``calendar``:
        the event's parts go with it as a calendar invitation."""
        self.event = event
        self.kind = kind
        self.subject = subject
        self.link = link
        self.calendar = calendar
        self._subjects: dict[str, str] = {}
        self._rows: list[dict] = []

    def _subject(self, language: str) -> str:
        if language not in self._subjects:
            with force_locale(language):
                self._subjects[language] = str(self.subject)
        return self._subjects[language]

    def add(self, invitation: Invitation, **context) -> None:
        """``context``: more for the worker that writes it (JSON)."""
        language = invitation.guest_language
        self._rows.append({
            "kind": self.kind, "recipient": invitation.contact.email,
            "recipient_name": invitation.contact.name, "reply_to": self.event.host_email,
            "subject": self._subject(language), "event_id": self.event.id,
            "invitation_id": invitation.id,
            "context": {"language": language, "link": self.link,
                        "calendar": self.calendar, **context},
        })

    def write(self) -> int:
        """Put the emails in the outbox (in the caller's transaction). Returns how many."""
        written = queue_to_write_later(self._rows)
        self._rows = []
        return written

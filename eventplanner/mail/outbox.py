"""The outbox: writing emails in the recipient's language, and reading them back."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from eventplanner.access import visible_event_ids
from eventplanner.calendar.ics import merge_calendar
from eventplanner.errors import NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.formatting import format_day_and_time
from eventplanner.mail.models import Attachment, Message, MessageStatus


class EventFragments:
    """The parts of an event's emails that are the same for every guest in one language.

    Rendered once per language and reused for a whole batch (5,000 invitations need the
    programme rendered four times, not 5,000).
    """

    def __init__(self, event) -> None:
        self.event = event
        self._by_language: dict[str, dict] = {}

    def for_language(self, language: str) -> dict:
        if language not in self._by_language:
            event = self.event
            with force_locale(language):
                self._by_language[language] = {
                    "parts_text": render_template("emails/_parts.txt", event=event),
                    # render_template has escaped every value already.
                    "parts_html": Markup(  # nosec B704
                        render_template("emails/_parts.html", event=event)),
                    "deadline": format_day_and_time(event.rsvp_deadline, event.timezone),
                }
        return self._by_language[language]


#: Merge fields: private-use characters that no name, link or translation contains.
MERGE_NAME = "\ue000name\ue000"
MERGE_LINK = "\ue000link\ue000"
MERGE_EMAIL = "\ue000email\ue000"
#: The attendee's name stands in a quoted parameter: this marker holds a space to get quotes.
MERGE_CN = "\ue000 name\ue000"
CALENDAR_REQUEST = "text/calendar; method=REQUEST"


class _Recipient:
    """Stands in for the guest while a batch email is rendered once for many."""

    name = MERGE_NAME

    def __init__(self, plus_ones_allowed: int) -> None:
        self.plus_ones_allowed = plus_ones_allowed


class MailMerge:
    """One email about an event to many guests (invitations, reminders).

    It is rendered once per language and variant with merge fields for each guest's name
    and personal link, filled in per guest, and written to the outbox in one statement:
    5,000 invitations cost a handful of renders, not 10,000.
    """

    def __init__(self, event, kind: str, subject,
                 calendar: Callable[[], bytes] | None = None) -> None:
        """``calendar`` builds an .ics with merge fields, sent as the invitation part."""
        self.event = event
        self.kind = kind
        self.subject = subject
        self.fragments = EventFragments(event)
        self._rendered: dict[tuple, tuple[str, str, str]] = {}
        self._calendar_template = calendar
        self._calendars: dict[str, bytes] = {}
        self._rows: list[dict] = []
        self._attachments: list[dict | None] = []

    def _render(self, language: str, plus_ones_allowed: int) -> tuple[str, str, str]:
        key = (language, plus_ones_allowed)
        if key not in self._rendered:
            stand_in = _Recipient(plus_ones_allowed)
            context = {"event": self.event, "guest": stand_in, "invitation": stand_in,
                       "link": MERGE_LINK, "language": language,
                       **self.fragments.for_language(language)}
            with force_locale(language):
                self._rendered[key] = (
                    str(self.subject),
                    render_template(f"emails/{self.kind}.txt", **context),
                    render_template(f"emails/{self.kind}.html", **context),
                )
        return self._rendered[key]

    def add(self, *, invitation_id: int, to: str, to_name: str, language: str, link: str,
            plus_ones_allowed: int = 0, reply_to: str = "") -> None:
        subject, text, html = self._render(language, plus_ones_allowed)
        self._attachments.append(self._calendar(language, to, to_name, link))
        now = utcnow()
        self._rows.append({
            "kind": self.kind, "recipient": to, "recipient_name": to_name,
            "reply_to": reply_to, "subject": subject,
            "body_text": text.replace(MERGE_NAME, to_name).replace(MERGE_LINK, link),
            "body_html": html.replace(MERGE_NAME, str(escape(to_name)))
                             .replace(MERGE_LINK, str(escape(link))),
            "event_id": self.event.id, "invitation_id": invitation_id,
            "status": MessageStatus.QUEUED, "attempts": 0, "next_attempt_at": now,
            "last_error": "", "created_at": now,
        })

    def _calendar(self, language: str, email: str, name: str, link: str) -> dict | None:
        if self._calendar_template is None:
            return None
        if language not in self._calendars:
            with force_locale(language):
                self._calendars[language] = self._calendar_template()
        content = merge_calendar(self._calendars[language], {
            MERGE_CN: name, MERGE_EMAIL: email, MERGE_LINK: link})
        return {"filename": "invite.ics", "content_type": CALENDAR_REQUEST,
                "content": content.decode("utf-8")}

    def write(self) -> int:
        """Put the emails in the outbox (in the caller's transaction). Returns how many."""
        if self._rows:
            ids = db.session.scalars(
                insert(Message).returning(Message.id, sort_by_parameter_order=True),
                self._rows).all()
            files = [{**attachment, "message_id": message_id}
                     for message_id, attachment in zip(ids, self._attachments, strict=True)
                     if attachment is not None]
            if files:
                db.session.execute(insert(Attachment), files)
        written, self._rows, self._attachments = len(self._rows), [], []
        return written


def queue_email(
    *,
    kind: str,
    to: str,
    to_name: str,
    language: str,
    template: str,
    subject,
    event_id: int | None = None,
    invitation_id: int | None = None,
    reply_to: str = "",
    attachments: tuple[tuple[str, str, str], ...] = (),
    **context,
) -> Message:
    """Render ``templates/emails/<template>.txt`` and ``.html`` in ``language`` and queue them.

    ``subject`` is a lazy string (``lazy_gettext``), translated here into ``language``.
    The caller's transaction decides whether the message exists.
    """
    with force_locale(language):
        context.setdefault("language", language)
        message = Message(
            kind=kind,
            recipient=to,
            recipient_name=to_name,
            reply_to=reply_to,
            subject=str(subject),
            body_text=render_template(f"emails/{template}.txt", **context),
            body_html=render_template(f"emails/{template}.html", **context),
            event_id=event_id,
            invitation_id=invitation_id,
            attachments=[Attachment(filename=filename, content_type=content_type,
                                    content=content)
                         for filename, content_type, content in attachments],
        )
    db.session.add(message)
    return message


def _visible_messages(organiser):
    return select(Message).where(Message.event_id.in_(visible_event_ids(organiser)))


def messages_for(organiser, status: MessageStatus | None = None, limit: int = 500):
    """The newest emails about the organiser's events, with their event loaded."""
    query = _visible_messages(organiser).options(joinedload(Message.event)).order_by(
        Message.created_at.desc(), Message.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Message.status == status)
    return list(db.session.scalars(query))


def status_counts(organiser) -> dict[MessageStatus, int]:
    rows = db.session.execute(
        select(Message.status, func.count()).where(
            Message.id.in_(_visible_messages(organiser).with_only_columns(Message.id)))
        .group_by(Message.status)).all()
    counts = dict.fromkeys(MessageStatus, 0)
    counts.update(dict(rows))
    return counts


def get_message_for(organiser, message_id: int) -> Message:
    message = db.session.scalar(_visible_messages(organiser).where(Message.id == message_id))
    if message is None:
        raise NotFound()
    return message

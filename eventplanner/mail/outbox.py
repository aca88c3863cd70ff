"""The outbox: writing emails in the recipient's language, and reading them back."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from eventplanner.errors import NotFound
from eventplanner.extensions import db
from eventplanner.mail.models import Message, MessageStatus


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
            from eventplanner.formatting import format_moment

            event = self.event
            with force_locale(language):
                self._by_language[language] = {
                    "parts_text": render_template("emails/_parts.txt", event=event),
                    "parts_html": Markup(render_template("emails/_parts.html", event=event)),
                    "deadline": format_moment(event.rsvp_deadline, event.timezone),
                }
        return self._by_language[language]


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
        )
    db.session.add(message)
    return message


def _visible_messages(organiser):
    from eventplanner.events.services import visible_event_ids

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

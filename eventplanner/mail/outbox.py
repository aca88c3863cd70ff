"""The outbox: writing emails in the recipient's language, and reading them back."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from eventplanner.access import visible_event_ids
from eventplanner.errors import NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.mail.models import ENVELOPE_FROM, Attachment, Message, MessageStatus
from eventplanner.mail.rendering import RenderedEmail, render_email


def queue_message(*, kind: str, to: str, to_name: str, subject: str, email: RenderedEmail,
                  event_id: int | None = None, invitation_id: int | None = None,
                  reply_to: str = "") -> Message:
    """Queue an email written already. The caller's transaction decides whether it exists."""
    message = Message(
        kind=kind, recipient=to, recipient_name=to_name, reply_to=reply_to, subject=subject,
        body_text=email.text, body_html=email.html, rendered_at=utcnow(),
        event_id=event_id, invitation_id=invitation_id,
        context={ENVELOPE_FROM: email.envelope_from} if email.envelope_from else None,
        attachments=[Attachment(filename=filename, content_type=content_type, content=content)
                     for filename, content_type, content in email.attachments],
    )
    db.session.add(message)
    return message


def queue_email(*, kind: str, to: str, to_name: str, language: str, template: str, subject,
                event_id: int | None = None, invitation_id: int | None = None,
                reply_to: str = "", **context) -> Message:
    """Render ``templates/emails/<template>.txt`` and ``.html`` in ``language`` and queue them.

    ``subject`` is a lazy string (``lazy_gettext``), translated here into ``language``.
    """
    with force_locale(language):
        subject = str(subject)
    return queue_message(kind=kind, to=to, to_name=to_name, subject=subject,
                         email=render_email(template, language, **context),
                         event_id=event_id, invitation_id=invitation_id, reply_to=reply_to)


def queue_to_write_later(rows: list[dict]) -> int:
    """Queue emails that the delivery worker writes just before it sends them (through the
    app's message renderer), in one statement: each row holds the kind, the recipient, the
    subject, the event and invitation, and in ``context`` what the renderer needs that is
    not in the database. Returns how many."""
    if rows:
        now = utcnow()
        db.session.execute(insert(Message), [
            {"reply_to": "", "body_text": "", "body_html": "", "status": MessageStatus.QUEUED,
             "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
             **row} for row in rows])
    return len(rows)


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

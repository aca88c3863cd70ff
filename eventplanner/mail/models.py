"""The outbox: every email is a row here first, written with the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Event
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    #: A worker has claimed it and is talking to the mail server.
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last retry; the organiser can queue it again.
    FAILED = "failed"
    #: Dropped before it was written: its invitation was revoked, erased or deleted first.
    NOT_SENT = "not_sent"


#: In a message's ``context``: the SMTP envelope sender (MAIL FROM) when it is not the From
#: address: an invitation's reply address, so that delivery reports come back to the app.
ENVELOPE_FROM = "envelope_from"


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), index=True)
    #: What the email is for: "invitation", "reminder", "confirmation", "waitlist_promoted".
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(120), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: When the bodies were written. A guest's invitation or reminder is written by the
    #: delivery worker just before it is sent, from the invitation as it is then; until
    #: then the bodies are empty and ``context`` holds what the writing needs that is not
    #: in the database (the language, which link, whether a calendar goes with it). Once
    #: written it also holds the envelope sender (``ENVELOPE_FROM``), if any.
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    context: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "message_status"), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the worker that claimed it last renewed the claim.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Random per claim: only the worker holding it may send the message or save its outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def can_be_retried(self) -> bool:
        """Only a message the worker gave up on goes back in the queue: a queued, sending
        or sent one would be sent twice."""
        return self.status is MessageStatus.FAILED

    @property
    def is_written(self) -> bool:
        return self.rendered_at is not None

    @property
    def envelope_from(self) -> str | None:
        """The SMTP envelope sender, or None for the From address."""
        return (self.context or {}).get(ENVELOPE_FROM) or None

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.kind} to {self.recipient} {self.status}>"


class Attachment(db.Model):
    """A file sent with a message, such as the calendar invitation (.ics)."""

    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    #: A full content type: "text/calendar; method=REQUEST" becomes a calendar part that mail
    #: programs show as an invitation.
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)

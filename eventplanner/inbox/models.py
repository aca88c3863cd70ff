"""Each email received at a reply address, what it was, and what became of it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Activity
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow
from eventplanner.invitations.models import Invitation


class IncomingKind(enum.StrEnum):
    #: A calendar program's answer (iTIP REPLY).
    ANSWER = "answer"
    #: A calendar program's proposal of another time (iTIP COUNTER).
    COUNTER = "counter"
    #: A delivery report: the guest's mail server could not deliver (RFC 3464).
    BOUNCE = "bounce"
    #: "Out of office" and other automatic replies (RFC 3834).
    AUTO_REPLY = "auto_reply"
    #: A person's own email, with no calendar answer in it.
    MESSAGE = "message"
    #: Nothing that could be read as one of the above.
    UNREADABLE = "unreadable"


class IncomingOutcome(enum.StrEnum):
    #: The answer was applied to the guest's answers.
    APPLIED = "applied"
    #: Not applied; ``reason`` says why.
    NOT_APPLIED = "not_applied"
    #: Waiting for the organiser: an answer from another address than the invited one.
    TO_CONFIRM = "to_confirm"
    #: Shown to the organiser, nothing to apply (a proposal, a report, a message).
    SHOWN = "shown"


class IncomingMail(db.Model):
    __tablename__ = "incoming_mail"
    __table_args__ = (
        UniqueConstraint("message_id", "recipient"),
        Index("ix_incoming_mail_event_id_received_at", "event_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Empty for mail to an address that is no invitation's: no organiser reads it.
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"))
    #: The Message-ID header, or a digest of the email when it has none.
    message_id: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(254))
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(default=0)
    kind: Mapped[IncomingKind] = mapped_column(enum_column(IncomingKind, "incoming_kind"))
    outcome: Mapped[IncomingOutcome] = mapped_column(
        enum_column(IncomingOutcome, "incoming_outcome"))
    #: Why it was not applied, or what it said (see ``inbox.labels``).
    reason: Mapped[str] = mapped_column(String(40), default="")
    #: From the calendar object: UID, the guest's PARTSTAT and address, SEQUENCE, DTSTAMP.
    uid: Mapped[str] = mapped_column(String(255), default="")
    partstat: Mapped[str] = mapped_column(String(20), default="")
    attendee: Mapped[str] = mapped_column(String(254), default="")
    sequence: Mapped[int | None]
    stamped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A proposed new time (COUNTER).
    proposed_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The guest's comment, the start of a message, or a delivery report's diagnosis.
    detail: Mapped[str] = mapped_column(Text, default="")
    #: When the organiser applied an answer waiting for them, and who.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))

    invitation: Mapped[Invitation | None] = relationship()
    activity: Mapped[Activity | None] = relationship()

    @property
    def is_waiting(self) -> bool:
        return self.outcome is IncomingOutcome.TO_CONFIRM and self.confirmed_at is None

    def __repr__(self) -> str:
        return f"<IncomingMail {self.id} {self.kind} {self.outcome} {self.reason}>"

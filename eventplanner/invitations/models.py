"""Invitations (a contact invited to an event), their answers per part, the history, and
who arrived at which part (check-in)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    exists,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class AnswerStatus(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    #: Said yes to a full part: waiting for a place, in order of ``waitlisted_at``.
    WAITLISTED = "waitlisted"


class InvitationStage(enum.StrEnum):
    """How far an invitation has come, for the organiser's list."""

    NOT_SENT = "not_sent"
    SENT = "sent"
    OPENED = "opened"
    ANSWERED = "answered"
    REVOKED = "revoked"


#: An invitation's stage is the first of these moments that it has (else not sent).
STAGE_BY_MOMENT = (
    ("revoked_at", InvitationStage.REVOKED),
    ("answered_at", InvitationStage.ANSWERED),
    ("opened_at", InvitationStage.OPENED),
    ("sent_at", InvitationStage.SENT),
)


class Invitation(db.Model):
    __tablename__ = "invitation"
    __tombstone_kind__ = "invitation"
    __table_args__ = (
        UniqueConstraint("event_id", "contact_id"),
        CheckConstraint("plus_ones_allowed >= 0 AND plus_ones_allowed <= 20",
                        name="plus_ones_allowed_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    plus_ones_allowed: Mapped[int] = mapped_column(default=0)
    #: Random; the link's token is an HMAC of the id and this nonce under the server key.
    token_nonce: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the token: the only form in which the link is stored.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The language the guest chose on the page; empty: the contact's, else the event's.
    language: Mapped[str] = mapped_column(String(8), default="")
    plus_one_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    dietary_needs: Mapped[str] = mapped_column(String(500), default="")
    message_to_host: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moves whenever what the guest's page shows changes (answers included).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Free text (plus-ones, dietary needs, messages, comments) removed by erasure or by
    #: the retention period; answers, scores and times stay for the figures.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The organiser's choice for feedback requests: True ask, False don't; None: ask
    #: if the guest came.
    feedback_wanted: Mapped[bool | None]
    #: The host the organiser chose for this guest (a member hosting the event); None: their
    #: account manager if that member hosts (``hosting.services.host_of``).
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True)

    event: Mapped[Event] = relationship()
    contact: Mapped[Contact] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan")
    check_ins: Mapped[list[CheckIn]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan")
    changes: Mapped[list[ResponseChange]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan",
        order_by="(ResponseChange.changed_at.desc(), ResponseChange.id.desc())")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @hybrid_property
    def stage(self) -> InvitationStage:
        """How far the invitation has come: the first of ``STAGE_BY_MOMENT`` that happened.
        In SQL too (a ``CASE`` of the same list), for the guest list's filter and counts."""
        return next((stage for moment, stage in STAGE_BY_MOMENT
                     if getattr(self, moment) is not None), InvitationStage.NOT_SENT)

    @stage.inplace.expression
    @classmethod
    def _stage_expression(cls):
        return case(*((getattr(cls, moment).is_not(None), stage.value)
                      for moment, stage in STAGE_BY_MOMENT),
                    else_=InvitationStage.NOT_SENT.value)

    @property
    def guest_language(self) -> str:
        """The language to speak to this guest: their choice, their contact's, the event's."""
        return self.language or self.contact.language or self.event.default_language

    @hybrid_property
    def came(self) -> bool:
        """Whether the guest came: checked in at a part where the event used check-in;
        otherwise said yes to at least one part. In SQL too, for history queries."""
        if self.event.check_in_used:
            return bool(self.check_ins)
        return any(r.status is AnswerStatus.YES for r in self.responses)

    @came.inplace.expression
    @classmethod
    def _came_expression(cls):
        check_in_used = select(Event.check_in_used).where(
            Event.id == cls.event_id).scalar_subquery()
        checked_in = exists().where(CheckIn.invitation_id == cls.id)
        said_yes = exists().where(Response.invitation_id == cls.id,
                                  Response.status == AnswerStatus.YES)
        return or_(and_(check_in_used, checked_in), and_(not_(check_in_used), said_yes))

    def response_for(self, activity: Activity) -> Response | None:
        return next((r for r in self.responses if r.activity_id == activity.id), None)

    def answer_for(self, activity: Activity) -> AnswerStatus | None:
        response = self.response_for(activity)
        return response.status if response else None

    def __repr__(self) -> str:
        return f"<Invitation {self.id} event={self.event_id} contact={self.contact_id}>"


class Response(db.Model):
    """A guest's answer for one part of the event."""

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("invitation_id", "activity_id"),
        CheckConstraint("places >= 1", name="places_positive"),
        Index("ix_response_activity_id_status", "activity_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    status: Mapped[AnswerStatus] = mapped_column(enum_column(AnswerStatus, "answer_status"))
    #: Places this answer takes when confirmed: the guest plus their plus-ones.
    places: Mapped[int] = mapped_column(default=1)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="responses")
    activity: Mapped[Activity] = relationship()


class ResponseChange(db.Model):
    """One change to a guest's answer: who, when, from what to what. Never deleted."""

    __tablename__ = "response_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"))
    #: The part's name when the change was made: history outlives a removed part.
    activity_name: Mapped[str] = mapped_column(String(200), default="")
    #: What changed: "answer", "plus_ones", "dietary_needs", "message".
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    #: "guest", "organiser", "waitlist" (a place came free) or "erasure" (left the line).
    changed_by: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="changes")


class CheckIn(db.Model):
    """A guest (and the plus-ones with them) arrived at a part."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("invitation_id", "activity_id"),
        CheckConstraint("party_size >= 1", name="party_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    #: The guest and the plus-ones who came with them.
    party_size: Mapped[int] = mapped_column(default=1)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who let them in: an organiser's or a helper's name.
    checked_in_by: Mapped[str] = mapped_column(String(120), default="")

    invitation: Mapped[Invitation] = relationship(back_populates="check_ins")
    activity: Mapped[Activity] = relationship()

"""Check-in at the door: who arrived at which part, and the helpers' check-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Activity, Event
from eventplanner.extensions import UTCDateTime, db, utcnow
from eventplanner.invitations.models import Invitation


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


class CheckInHelper(db.Model):
    """Someone at the door with a link that can check guests in at one event and do
    nothing else. The link is an HMAC like the guests' (only its digest is stored)."""

    __tablename__ = "check_in_helper"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_nonce: Mapped[str] = mapped_column(String(64))
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()

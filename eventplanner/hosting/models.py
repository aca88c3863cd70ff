"""Who hosts an event: members of the team who look after named guests on the day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.extensions import UTCDateTime, db, utcnow


class EventHost(db.Model):
    """A member hosting an event. A guest's host is named on their invitation
    (``Invitation.host_id``), or is their account manager when that member hosts."""

    __tablename__ = "event_host"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When their briefing was emailed to them (``flask mail send-due``); None: not yet.
    briefing_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[Organiser] = relationship()

    def __repr__(self) -> str:
        return f"<EventHost event={self.event_id} organiser={self.organiser_id}>"

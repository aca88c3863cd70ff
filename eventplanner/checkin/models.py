"""The helpers' check-in links (who arrived at which part is ``invitations.models.CheckIn``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Event
from eventplanner.extensions import UTCDateTime, db, utcnow


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

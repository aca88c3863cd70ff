"""What the organiser's calendar feed last served, for conditional requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db


class CalendarFeed(db.Model):
    """The feed's content as a digest (its ETag) and when that content was first served
    (its Last-Modified): calendar programs poll, and unchanged content answers 304."""

    __tablename__ = "calendar_feed"

    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True)
    #: SHA-256 of the feed's bytes, hex; empty until first served.
    content_digest: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.organiser_id} {self.content_digest[:8]}>"

"""Organisers: the people who log in and run events."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db, utcnow


class Organiser(UserMixin, db.Model):
    __tablename__ = "organiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased, so that one address is one account whatever its spelling.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The private calendar feed of all their events: a nonce for the token and the token's
    #: digest for the look-up, as for guests' links. None: no feed.
    feed_nonce: Mapped[str | None] = mapped_column(String(64))
    feed_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<Organiser {self.id} {self.email}>"

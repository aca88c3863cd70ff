"""Files an organiser uploaded and is checking before they are imported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db, utcnow


class Upload(db.Model):
    """An uploaded file kept on the server between its preview and its import (the page
    carries only a key): for its organiser only, until ``expires_at``."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the key in the confirm form: the key itself is not stored.
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the file is for, e.g. "contacts" or "results:12" (a part's results).
    purpose: Mapped[str] = mapped_column(String(60))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<Upload {self.id} {self.purpose} of organiser {self.organiser_id}>"

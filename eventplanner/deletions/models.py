"""A tombstone: one deleted or erased object of a workspace, by kind and id."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class Gone(enum.StrEnum):
    #: Deleted by a member (or with what it belonged to).
    DELETED = "deleted"
    #: Its personal data was erased; the row stays for the counts, but a copy must forget it.
    ERASED = "erased"


class Tombstone(db.Model):
    """``kind`` ``object_id`` of the workspace went at ``gone_at``. The id is a plain
    number, not a foreign key: the object is gone."""

    __tablename__ = "tombstone"
    __table_args__ = (Index("ix_tombstone_workspace_kind_gone_at", "workspace_id", "kind",
                            "gone_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"))
    #: "contact", "company", "tag", "event", "part", "invitation".
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    #: The event it belonged to, for the kinds listed per event (parts, invitations).
    event_id: Mapped[int | None] = mapped_column(Integer)
    gone_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[Gone] = mapped_column(enum_column(Gone, "tombstone_reason"))

    def __repr__(self) -> str:
        return f"<Tombstone {self.kind} {self.object_id} {self.reason}>"

"""One line of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    """Who did what and when, in a workspace. The subjects are plain ids, not foreign
    keys, so the trail outlives what it tells of; ``actor_name`` keeps the name as it was."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The account that did it (None: the system, or an account since deleted).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    #: What was done, a dotted name such as ``event.changed`` or ``member.role_changed``.
    action: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: The member it was done to (an account id), for member and role changes.
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: What changed, e.g. ``{"capacity": [40, 50]}`` (old, new), or other details.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} by {self.actor_id}>"

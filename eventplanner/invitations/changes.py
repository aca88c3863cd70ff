"""The history of a guest's answers: every change is kept, none overwritten without a trace."""

from __future__ import annotations

from datetime import datetime

from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.invitations.models import (
    Invitation,
    ResponseChange,
)


def note_change(invitation: Invitation, field_name: str, old, new, changed_by: str,
                 now: datetime, activity: Activity | None = None,
                 subject: str | None = None) -> None:
    """``subject``: what the change is about when not a part's name (a question)."""
    name = subject if subject is not None else activity.name if activity else ""
    db.session.add(ResponseChange(
        invitation=invitation, activity_id=activity.id if activity else None,
        activity_name=name[:200], field=field_name,
        old_value="" if old is None else str(old), new_value="" if new is None else str(new),
        changed_by=changed_by, changed_at=now))

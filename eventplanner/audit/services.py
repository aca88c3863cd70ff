"""Writing and reading the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Organiser
from eventplanner.extensions import db, utcnow

#: How many entries a page of the trail shows.
PAGE_SIZE = 100


def record(workspace_id: int, actor: Organiser | None, action: str, *,
           event_id: int | None = None, contact_id: int | None = None,
           member_id: int | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
    """Note in the workspace's trail that ``actor`` (None: the system) did ``action``, in
    the transaction of the change itself, so the line exists exactly when the change does.
    ``details``: what changed, as ``{"field": [old, new]}``, or other facts (JSON)."""
    entry = AuditEntry(workspace_id=workspace_id, at=utcnow(), action=action,
                       actor_id=actor.id if actor is not None else None,
                       actor_name=actor.name if actor is not None else "",
                       event_id=event_id, contact_id=contact_id, member_id=member_id,
                       details=_plain(details or {}))
    db.session.add(entry)
    return entry


def record_export(actor: Organiser, event: Any, action: str, rows: int) -> None:
    """Note and commit that ``actor`` downloaded personal data of ``event`` (``rows`` lines):
    the download happens whether or not anything else is saved."""
    record(event.workspace_id, actor, action, event_id=event.id, details={"rows": rows})
    db.session.commit()


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for each field whose value differs."""
    return {name: [before.get(name), value] for name, value in after.items()
            if before.get(name) != value}


def trail(workspace_id: int, *, event_id: int | None = None, contact_id: int | None = None,
          member_id: int | None = None, before_id: int | None = None) -> list[AuditEntry]:
    """The workspace's trail, newest first, about one event, contact or member if named
    (a member: what they did and what was done to them); ``before_id`` pages on."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    if contact_id is not None:
        query = query.where(AuditEntry.contact_id == contact_id)
    if member_id is not None:
        query = query.where(or_(AuditEntry.member_id == member_id,
                                AuditEntry.actor_id == member_id))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)))


def _plain(value: Any) -> Any:
    """JSON-ready: dates and times as ISO text, enums as their values, the rest as is."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value

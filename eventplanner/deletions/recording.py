"""Tombstones are written by the session, in the transaction of the delete or erasure.

A model takes part by naming its kind, ``__tombstone_kind__ = "contact"``, and says where
its workspace and event are: a ``workspace_id`` column, or an ``event`` relationship.
An object deleted through the session leaves a tombstone; one whose ``erased_at`` or
``anonymised_at`` is set leaves an "erased" one. Rows removed by a bulk ``DELETE``
statement or by the database's cascades are not seen here: the services that delete with
one statement write their tombstones with ``bury``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from eventplanner.deletions.models import Gone, Tombstone
from eventplanner.extensions import utcnow

ERASURE_COLUMNS = ("erased_at", "anonymised_at")


def _place(instance) -> tuple[int | None, int | None]:
    """The workspace and event ids of ``instance``."""
    event_id = getattr(instance, "event_id", None)
    workspace_id = getattr(instance, "workspace_id", None)
    if workspace_id is None:
        event = getattr(instance, "event", None)
        if event is None and "event" in inspect(instance).attrs.keys():
            # Taken out of its event's collection (a part removed): the event it had.
            event = next(iter(inspect(instance).attrs.event.history.deleted or ()), None)
        workspace_id = event.workspace_id if event is not None else None
    return workspace_id, event_id


def _row(instance, reason: Gone) -> dict | None:
    workspace_id, event_id = _place(instance)
    if workspace_id is None:
        return None
    kind = instance.__tombstone_kind__
    return {"workspace_id": workspace_id, "kind": kind, "object_id": instance.id,
            "event_id": event_id if kind != "event" else instance.id,
            "reason": reason, "gone_at": utcnow()}


def _erased_now(instance) -> bool:
    state = inspect(instance)
    for name in ERASURE_COLUMNS:
        if name in state.attrs.keys():
            history = state.attrs[name].history
            if history.added and history.added[0] is not None and not any(
                    value is not None for value in history.deleted):
                return True
    return False


def _tombstones(session: Session) -> list[dict]:
    rows = [_row(instance, Gone.DELETED) for instance in session.deleted
            if hasattr(instance, "__tombstone_kind__")]
    rows += [_row(instance, Gone.ERASED) for instance in session.dirty
             if hasattr(instance, "__tombstone_kind__") and _erased_now(instance)]
    return [row for row in rows if row is not None]


def bury(session: Session, workspace_id: int, kind: str, object_ids: Iterable[int],
         event_id: int | None = None, reason: Gone = Gone.DELETED) -> None:
    """Tombstones for objects removed without the session seeing them (a bulk delete)."""
    now = utcnow()
    rows = [{"workspace_id": workspace_id, "kind": kind, "object_id": object_id,
             "event_id": event_id, "reason": reason, "gone_at": now}
            for object_id in object_ids]
    if rows:
        session.execute(insert(Tombstone), rows)


def _note_what_goes(session: Session, flush_context, instances) -> None:
    rows = _tombstones(session)
    if rows:
        session.info.setdefault("tombstones", []).extend(rows)


def _write_tombstones(session: Session, flush_context) -> None:
    rows = session.info.pop("tombstones", None)
    if rows:
        session.execute(insert(Tombstone), rows)


def record_tombstones(session_factory) -> None:
    """Write the tombstones of every flush of ``session_factory`` (``db.session``).
    Idempotent."""
    for name, listener in (("before_flush", _note_what_goes),
                           ("after_flush", _write_tombstones)):
        if not sqlalchemy_event.contains(session_factory, name, listener):
            sqlalchemy_event.listen(session_factory, name, listener)

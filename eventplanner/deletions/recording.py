"""Tombstones are written in the transaction of the delete or erasure, by the mappers.

A model takes part by naming its kind, ``__tombstone_kind__ = "contact"``, and says where
its workspace and event are: a ``workspace_id`` column, or an ``event_id`` column (the
workspace is read from the event). Every row the session deletes, however it goes (deleted
by name, by a cascade of the ORM, as an orphan taken out of a collection), leaves a
tombstone, written on the flush's own connection: a flush that fails or a transaction rolled
back takes its tombstones with it. A row whose ``erased_at`` or ``anonymised_at`` is set
leaves an "erased" one. Rows removed by a bulk ``DELETE`` statement or by the database's own
cascades are not seen: the services that delete with one statement write theirs with
``bury``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import column as sql_column
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert, inspect, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session

from eventplanner.deletions.models import Gone, Tombstone
from eventplanner.extensions import db, utcnow

ERASURE_COLUMNS = ("erased_at", "anonymised_at")
_EVENTS = table("event", sql_column("id"), sql_column("workspace_id"))


def _workspace_of(connection: Connection, instance) -> int | None:
    workspace_id = getattr(instance, "workspace_id", None)
    if workspace_id is None and getattr(instance, "event_id", None) is not None:
        workspace_id = connection.scalar(
            select(_EVENTS.c.workspace_id).where(_EVENTS.c.id == instance.event_id))
    return workspace_id


def _bury_row(connection: Connection, instance, reason: Gone) -> None:
    workspace_id = _workspace_of(connection, instance)
    if workspace_id is None:
        return
    kind = instance.__tombstone_kind__
    connection.execute(insert(Tombstone).values(
        workspace_id=workspace_id, kind=kind, object_id=instance.id,
        event_id=instance.id if kind == "event" else getattr(instance, "event_id", None),
        reason=reason, gone_at=utcnow()))


def _deleted(mapper: Mapper, connection: Connection, instance) -> None:
    _bury_row(connection, instance, Gone.DELETED)


def _erased_now(instance) -> bool:
    state = inspect(instance)
    for name in ERASURE_COLUMNS:
        if name in state.attrs.keys():
            history = state.attrs[name].history
            if history.added and history.added[0] is not None and not any(
                    value is not None for value in history.deleted):
                return True
    return False


def _updated(mapper: Mapper, connection: Connection, instance) -> None:
    if _erased_now(instance):
        _bury_row(connection, instance, Gone.ERASED)


def bury(session: Session, workspace_id: int, kind: str, object_ids: Iterable[int],
         event_id: int | None = None, reason: Gone = Gone.DELETED) -> None:
    """Tombstones for objects removed without the session seeing them (a bulk delete)."""
    now = utcnow()
    rows = [{"workspace_id": workspace_id, "kind": kind, "object_id": object_id,
             "event_id": event_id, "reason": reason, "gone_at": now}
            for object_id in object_ids]
    if rows:
        session.execute(insert(Tombstone), rows)


def record_tombstones() -> None:
    """Listen to the deletes and updates of every model that names a tombstone kind.
    Idempotent."""
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if "__tombstone_kind__" not in vars(model):
            continue
        for name, listener in (("after_delete", _deleted), ("after_update", _updated)):
            if not sqlalchemy_event.contains(model, name, listener):
                sqlalchemy_event.listen(model, name, listener)

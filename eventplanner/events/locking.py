"""The locks that keep the answer rules true across processes and servers.

Who holds a place at an event's parts changes one transaction at a time per event: a guest's
answer, the organiser's edit of a part (its capacity), a part removed, a contact deleted or
erased, a link reissued. Each takes the event's lock before it reads what it decides on, and
reads it afresh after (the caller's ``refresh``), so the capacity and the confirmed places it
decides with are those in force when it commits.

PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the event rows, in id order, so two
transactions that lock several events never wait for each other in a circle (and rows that
merely refer to the event, such as new invitations, do not wait for it). SQLite: a no-op
UPDATE of the same rows, which takes the database's single write lock (Python's sqlite3 opens
the transaction at the first write, so every read after it sees the latest committed data).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from eventplanner.events.models import Event
from eventplanner.extensions import db


def lock_events(event_ids: Iterable[int] | Select) -> None:
    """Wait for, then hold until commit or rollback, the answer lock of these events:
    given by id, or as a select of event ids (the event of a link, say, when its id is
    not known yet)."""
    if isinstance(event_ids, Select):
        which = Event.id.in_(event_ids)
    else:
        ids = sorted(set(event_ids))
        if not ids:
            return
        which = Event.id.in_(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Event.id).where(which).order_by(Event.id).with_for_update(key_share=True))
    else:
        db.session.execute(
            update(Event).where(which).values(updated_at=Event.updated_at)
            .execution_options(synchronize_session=False))


def lock_answers(event: Event) -> Event:
    """Take the event's answer lock (above), then read afresh what answers are
    decided on: the event's status and deadline, and each part's capacity."""
    lock_events([event.id])
    db.session.execute(select(Event).where(Event.id == event.id)
                       .options(selectinload(Event.activities))
                       .execution_options(populate_existing=True))
    return event

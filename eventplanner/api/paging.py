"""Lists of the API: cursor pages in a stable order, and ``updated_since`` for a sync.

Without ``updated_since`` a list runs by id. With it, it lists what changed after that
instant, oldest change first (then by id), and beside it the tombstones of what was deleted
or erased since, each stream paged by the same cursor. The cursor is opaque to the caller:
base64 of where each stream stopped, and the ``updated_since`` it belongs to.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from werkzeug.exceptions import BadRequest

from eventplanner.api.schemas import LARGEST_INTEGER
from eventplanner.deletions.models import Tombstone
from eventplanner.extensions import db, utcnow

#: ``next_updated_since`` is this long before the first page was asked for: a change
#: being committed while a sync reads is listed again next time, not missed.
SYNC_MARGIN = timedelta(minutes=1)


class BadCursor(BadRequest):
    api_detail = _l("This cursor is not valid: start from the first page again.")


@dataclass
class Cursor:
    since: datetime | None
    until: datetime | None
    #: The last item listed: its change time (with ``since``) and id.
    after: tuple[datetime | None, int] | None = None
    #: The last tombstone listed.
    gone_after: tuple[datetime, int] | None = None

    def encode(self) -> str:
        def moment(value):
            return value.isoformat() if value is not None else None

        document = {"s": moment(self.since), "u": moment(self.until),
                    "a": [moment(self.after[0]), self.after[1]] if self.after else None,
                    "g": [moment(self.gone_after[0]), self.gone_after[1]]
                    if self.gone_after else None}
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            document = json.loads(raw)
            since, until = _moment(document["s"]), _moment(document["u"])
            after = document["a"]
            gone = document["g"]
            return cls(since, until,
                       (_moment(after[0]), _row_id(after[1])) if after else None,
                       (_moment(gone[0]), _row_id(gone[1])) if gone else None)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, binascii.Error):
            raise BadCursor() from None


def _row_id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) \
            or not 0 <= value <= LARGEST_INTEGER:
        raise ValueError("not a row id")
    return value


def _moment(value) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment.astimezone(timezone.utc)  # OverflowError at the calendar's ends


def list_page(query: Select, model, args: dict, *, kind: str, workspace_id: int,
              event_id: int | None = None, changed_at=None) -> dict:
    """One page of ``query`` (a select of ``model``, already limited to what the caller
    may see) as the list envelope: ``data`` (the objects), ``next_cursor``, ``deleted``
    (tombstones of ``kind``, of ``event_id`` when given) and ``next_updated_since``.
    ``changed_at``: the column that says when a row last changed (``updated_at``)."""
    limit = args["limit"]
    if args.get("cursor"):
        cursor = Cursor.decode(args["cursor"])
    else:
        since = args.get("updated_since")
        cursor = Cursor(since, utcnow() - SYNC_MARGIN if since is not None else None)
    changed_at = changed_at if changed_at is not None else model.updated_at
    if cursor.since is None:
        order = (model.id,)
        if cursor.after is not None:
            query = query.where(model.id > cursor.after[1])
    else:
        order = (changed_at, model.id)
        query = query.where(changed_at > cursor.since)
        if cursor.after is not None:
            moment, last_id = cursor.after
            query = query.where(or_(changed_at > moment,
                                    and_(changed_at == moment, model.id > last_id)))
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        cursor.after = (getattr(last, changed_at.key) if cursor.since else None, last.id)
    tombstones: list[Tombstone] = []
    if cursor.since is not None:
        tombstones = _tombstones(cursor, limit, kind, workspace_id, event_id)
        more = more or len(tombstones) > limit
        tombstones = tombstones[:limit]
        if tombstones:
            cursor.gone_after = (tombstones[-1].gone_at, tombstones[-1].id)
    return {"data": rows, "next_cursor": cursor.encode() if more else None,
            "deleted": [{"id": t.object_id, "gone_at": t.gone_at, "reason": str(t.reason)}
                        for t in tombstones],
            "next_updated_since": cursor.until}


def _tombstones(cursor: Cursor, limit: int, kind: str, workspace_id: int,
                event_id: int | None) -> list[Tombstone]:
    query = select(Tombstone).where(Tombstone.workspace_id == workspace_id,
                                    Tombstone.kind == kind, Tombstone.gone_at > cursor.since)
    if event_id is not None:
        query = query.where(Tombstone.event_id == event_id)
    if cursor.gone_after is not None:
        moment, last_id = cursor.gone_after
        query = query.where(or_(Tombstone.gone_at > moment,
                                and_(Tombstone.gone_at == moment, Tombstone.id > last_id)))
    return list(db.session.scalars(
        query.order_by(Tombstone.gone_at, Tombstone.id).limit(limit + 1)))

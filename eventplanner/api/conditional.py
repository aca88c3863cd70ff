"""Conditional requests: ``ETag`` on every read, ``If-None-Match`` (304), and ``If-Match``
on changes, so a stale update is a 412, never a silent overwrite.

An ETag is the SHA-256 of the representation's canonical JSON (keys sorted), so the tag a
read gave is the tag a change compares with: the change reads the row under a lock, dumps
it as a read would and compares, then changes it.
"""

from __future__ import annotations

import hashlib
import json

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.exceptions import PreconditionFailed

from eventplanner.extensions import db


class StaleUpdate(PreconditionFailed):
    api_detail = _l("It changed since you read it: read it again, then send your change.")


def etag_of(document) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def tag_response(response) -> None:
    """Give a successful JSON answer its ETag (a change's too, so the next change can
    send it in If-Match without reading again), answer a read with 304 when the caller has
    it, and let no shared cache keep it. The tag is of the parsed JSON, so it does not
    depend on how the body happens to be written."""
    if response.status_code not in (200, 201) or not response.is_json:
        return
    response.set_etag(etag_of(response.get_json()))
    response.headers["Cache-Control"] = "private, no-cache"
    if request.method in ("GET", "HEAD"):
        response.make_conditional(request)


def check_if_match(current_document) -> None:
    """``StaleUpdate`` (412) if the caller sent ``If-Match`` and the resource, as a read
    would show it now, has another tag. Without ``If-Match`` the change goes ahead."""
    wanted = request.if_match
    if not wanted:
        return
    if wanted.star_tag:
        return
    if not wanted.contains(etag_of(current_document)):
        raise StaleUpdate()


def lock_row(model, object_id: int) -> None:
    """Hold the row until the transaction ends, so a check and the change after it are
    one step: ``FOR UPDATE`` on PostgreSQL, SQLite's write lock (a no-op update) there."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(model.id).where(model.id == object_id).with_for_update())
    else:
        column = model.updated_at if hasattr(model, "updated_at") else model.id
        db.session.execute(update(model).where(model.id == object_id)
                           .values({column.key: column})
                           .execution_options(synchronize_session=False))

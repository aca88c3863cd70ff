"""``Idempotency-Key`` on POST: a call sent again with the same key (a retry after a lost
answer) gets the first answer again and changes nothing; the same key with another body is
refused (422). Keys are the token's own and kept for a day.

The first call's answer is stored in the same transaction as its change, so either both
exist or neither. Two calls with one key at once: on PostgreSQL the second waits for the
first's row and is then refused with 409 (its change rolled back; sent again, it gets the
first answer); on SQLite the database's one write lock makes it wait and then replay.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict, UnprocessableEntity

from eventplanner.api.models import IdempotentRequest
from eventplanner.extensions import db, utcnow

HEADER = "Idempotency-Key"
#: How long a key is remembered.
KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyReused(UnprocessableEntity):
    api_detail = _l("This Idempotency-Key was used for another request: use a new key.")


class KeyInUse(Conflict):
    api_detail = _l("A request with this Idempotency-Key is still running: try again soon.")


class BadKey(UnprocessableEntity):
    api_detail = _l("An Idempotency-Key is 1 to 255 printable characters.")


def _request_digest() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.full_path.encode() + b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def replay_or_start():
    """Before a POST: the stored answer for its key (a response), or None to go on. Keeps
    the key and digest in ``g`` for ``remember_answer``."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise BadKey()
    token_id = g.api_token.id
    db.session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id,
        IdempotentRequest.created_at < utcnow() - KEPT_FOR))
    stored = db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id, IdempotentRequest.key == key))
    digest = _request_digest()
    if stored is not None:
        if stored.request_digest != digest:
            raise KeyReused()
        response = current_app.response_class(stored.body, status=stored.status,
                                              mimetype="application/json")
        if stored.location:
            response.headers["Location"] = stored.location
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency = (key, digest)
    return None


def remember_answer(response) -> None:
    """After a successful POST with a key, before its commit: keep its answer."""
    pending = g.pop("idempotency", None)
    if pending is None or response.status_code >= 400:
        return
    key, digest = pending
    db.session.add(IdempotentRequest(
        token_id=g.api_token.id, key=key, request_digest=digest,
        status=response.status_code, body=response.get_data(),
        location=response.headers.get("Location", "")[:500], created_at=utcnow()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise KeyInUse() from None

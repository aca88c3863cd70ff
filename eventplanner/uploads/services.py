"""The upload store: a checked file waits on the server for the organiser's confirmation.

A CSV import is two requests: the upload shows a preview, the confirmation imports. The
file stays here in between (in the database, so every worker process sees it), and the
confirm form carries only a random key. The key works for the organiser who uploaded and
for the same purpose only, once, and for ``UPLOAD_LIFETIME``; expired files are deleted
when the next file is kept and by ``flask privacy purge``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from eventplanner.auth.models import Organiser
from eventplanner.errors import InvalidState
from eventplanner.extensions import db
from eventplanner.tokens import token_digest
from eventplanner.uploads.models import Upload

UPLOAD_LIFETIME = timedelta(hours=1)


class UploadGone(InvalidState):
    default_message = _l("That file is not here any more: it was imported already, or it "
                         "was never yours. Please upload it again.")


class UploadExpired(UploadGone):
    default_message = _l("That file was checked more than an hour ago and has been "
                         "deleted. Please upload it again.")


def keep_upload(organiser: Organiser, purpose: str, content: bytes, now: datetime) -> str:
    """Keep ``content`` for ``organiser`` (in the caller's transaction); returns its key."""
    discard_expired_uploads(now)
    key = secrets.token_urlsafe(32)
    db.session.add(Upload(organiser_id=organiser.id, key_digest=token_digest(key),
                          purpose=purpose, content=content, created_at=now,
                          expires_at=now + UPLOAD_LIFETIME))
    db.session.flush()
    return key


def take_upload(organiser: Organiser, purpose: str, key: str, now: datetime) -> bytes:
    """The file kept under ``key``, removed from the store in the caller's transaction:
    a double submit gets it once, and a rollback keeps it. Another organiser's key, or a
    key for another purpose, is refused like one that never existed."""
    upload = db.session.execute(
        select(Upload.id, Upload.content, Upload.expires_at).where(
            Upload.key_digest == token_digest(key or ""), Upload.organiser_id == organiser.id,
            Upload.purpose == purpose)).one_or_none()
    if upload is None:
        raise UploadGone()
    if upload.expires_at <= now:
        raise UploadExpired()
    if not db.session.execute(delete(Upload).where(Upload.id == upload.id)).rowcount:
        raise UploadGone()  # a concurrent submit of the same form took it
    return upload.content


def discard_expired_uploads(now: datetime) -> int:
    """Delete every file kept past its time; returns how many."""
    return db.session.execute(delete(Upload).where(Upload.expires_at <= now)).rowcount

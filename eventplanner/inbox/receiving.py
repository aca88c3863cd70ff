"""Taking in one email: noted and acted on in its own transaction, whichever way it came
(the SMTP/LMTP listener, or a mailbox read over IMAP)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from eventplanner.extensions import db, utcnow
from eventplanner.inbox.models import IncomingMail
from eventplanner.inbox.services import receive_mail


def receive_and_commit(raw: bytes, recipients: Sequence[str]) -> IncomingMail:
    """``receive_mail`` and commit; everything rolled back on any error. The same email
    taken in by another process at the same moment is noted once: this one then finds
    that note."""
    try:
        mail = receive_mail(raw, recipients, utcnow())
        db.session.commit()
        return mail
    except IntegrityError:
        db.session.rollback()
        mail = receive_mail(raw, recipients, utcnow())
        db.session.commit()
        return mail
    except BaseException:
        db.session.rollback()
        raise

"""``flask mail fetch``'s receiver: each email read from the replies mailbox is applied in a
transaction of its own (``receive_mail``, then one commit), so an email the app cannot take
is rolled back alone and stays in the mailbox for the next run (``inbox.imap``)."""

from __future__ import annotations

from eventplanner.extensions import db, utcnow
from eventplanner.inbox.imap import FetchReport, MailboxSettings, fetch_mailbox
from eventplanner.inbox.parsing import header_recipients
from eventplanner.inbox.services import receive_mail


def receive_fetched_mail(raw: bytes) -> None:
    """Apply one email read from the mailbox and commit; roll back and re-raise on error.

    A mailbox has no envelope: the recipients are the app's reply addresses in its headers.
    """
    try:
        receive_mail(raw, header_recipients(raw), utcnow())
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def fetch_replies(settings: MailboxSettings) -> FetchReport:
    """Read the replies mailbox once: every waiting email applied, then marked done."""
    return fetch_mailbox(settings, receive_fetched_mail)

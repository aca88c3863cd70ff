"""``flask mail fetch``'s receiver: each email read from the replies mailbox is taken in
with a transaction of its own (``receive_and_commit``), so an email the app cannot take is
rolled back alone and stays in the mailbox for the next run (``inbox.imap``)."""

from __future__ import annotations

from eventplanner.inbox.imap import FetchReport, MailboxSettings, fetch_mailbox
from eventplanner.inbox.parsing import header_recipients
from eventplanner.inbox.receiving import receive_and_commit


def receive_fetched_mail(raw: bytes) -> None:
    """Take in one email read from the mailbox, committed; an error is rolled back and
    raised. A mailbox keeps no envelope: the recipients are the app's reply addresses
    that the email's headers name."""
    receive_and_commit(raw, header_recipients(raw))


def fetch_replies(settings: MailboxSettings) -> FetchReport:
    """Read the replies mailbox once: every waiting email taken in, then marked done."""
    return fetch_mailbox(settings, receive_fetched_mail)

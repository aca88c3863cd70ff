"""``flask mail receive``: an SMTP or LMTP server (aiosmtpd) that the mail server hands the
reply domain to. It accepts only reply addresses of this app, takes each email in its own
transaction (``receive_and_commit``), and answers 451 (try again later) when it cannot be
saved, whatever the cause, so the sending server keeps the email and retries: nothing is
lost, and nothing of the app's insides is told to the sender.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from eventplanner.inbox.receiving import receive_and_commit
from eventplanner.invitations.reply_address import invitation_id_in

log = logging.getLogger(__name__)

#: What the sender hears when the email could not be saved (temporary: it retries).
TRY_AGAIN = "451 4.3.0 Cannot take the message now, please try again later"
#: Emails larger than INBOUND_MAX_BYTES are still taken (and noted as too large) up to this
#: many times that size; beyond it the server refuses them (552) and the sender hears so.
SIZE_LIMIT_FACTOR = 4


class ReplyHandler:
    """aiosmtpd's handler: RCPT checks the address, DATA takes the email in."""

    def __init__(self, app: Flask, workers: int = 4) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=workers,
                                           thread_name_prefix="mail-receive")

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        with self.app.app_context():
            ours = invitation_id_in(address) is not None
        if not ours:
            return "550 5.1.1 No such reply address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802
                          envelope: Envelope) -> str:
        """SMTP: one reply for the email (451 when any recipient's copy could not be
        saved: the sender sends it again, and the copies saved are noted once). LMTP: one
        reply per recipient, in their order (RFC 2033 4.2)."""
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        replies = []
        for recipient in envelope.rcpt_tos:
            try:
                await loop.run_in_executor(self.executor, self._take_in, raw, recipient)
                replies.append("250 2.0.0 Received")
            except Exception:  # any failure: the sender keeps the email and tries again
                log.exception("incoming mail not saved; the sender is asked to retry")
                replies.append(TRY_AGAIN)
        if isinstance(server, LMTP):
            return "\r\n".join(replies)
        return TRY_AGAIN if TRY_AGAIN in replies else "250 2.0.0 Received"

    def _take_in(self, raw: bytes, recipient: str) -> None:
        with self.app.app_context():
            receive_and_commit(raw, [recipient])


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_listener(app: Flask, host: str, port: int, lmtp: bool = False) -> Controller:
    """Start the server in a thread of its own; ``stop()`` the returned controller."""
    kind = _LMTPController if lmtp else Controller
    controller = kind(ReplyHandler(app), hostname=host, port=port,
                      data_size_limit=app.config["INBOUND_MAX_BYTES"] * SIZE_LIMIT_FACTOR,
                      server_hostname=app.config.get("REPLY_DOMAIN") or None)
    controller.start()
    return controller

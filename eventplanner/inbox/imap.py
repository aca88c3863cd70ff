"""Reading the replies mailbox over IMAP (``flask mail fetch``).

Where the mail server delivers the reply domain into a mailbox instead of handing it to
``flask mail receive``, this reads that mailbox: each waiting message is handed to a
``receive`` callable, and only once ``receive`` has returned is the message marked as done:
moved to the processed folder (MOVE, RFC 6851, or COPY, \\Deleted and EXPUNGE on a server
without it), or flagged \\Seen when there is no processed folder (then only unseen messages
are read). A message ``receive`` fails on stays as it was and is tried again next run; the
others go on. A message is fetched with BODY.PEEK (reading does not mark it) and at most
``max_bytes + 1`` of it, so a huge message never lands in memory whole: the receiver sees
it is too large by its length.

Nothing here knows Flask or the database: the settings come in as ``MailboxSettings``.
Passwords never cross a network in clear: without TLS only a loopback host is accepted.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

TLS_MODES = ("ssl", "starttls", "none")


class MailboxError(Exception):
    """The mailbox could not be read: connecting, TLS, logging in or a command failed. The
    message says what, for an operator; no traceback is needed."""


@dataclass(frozen=True)
class MailboxSettings:
    """Where the replies mailbox is and how to read it (config's IMAP_* settings)."""

    host: str
    port: int
    tls: str
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    #: Empty: read messages are flagged \\Seen and left in ``folder``.
    processed_folder: str = "Processed"
    #: Larger messages are fetched cut at ``max_bytes + 1`` bytes.
    max_bytes: int = 2 * 1024 * 1024
    #: A PEM file of CAs the server's certificate must chain to; empty: the system's CAs.
    ca_file: str = ""
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailboxSettings:
        """The app's IMAP_* settings; ``MailboxError`` when no mailbox is set up."""
        missing = [name for name in ("IMAP_HOST", "IMAP_USERNAME", "IMAP_PASSWORD")
                   if not config[name]]
        if missing:
            raise MailboxError(f"Set {', '.join(missing)} to read the replies mailbox")
        return cls(host=config["IMAP_HOST"], port=config["IMAP_PORT"],
                   tls=config["IMAP_TLS"], username=config["IMAP_USERNAME"],
                   password=config["IMAP_PASSWORD"], folder=config["IMAP_FOLDER"],
                   processed_folder=config["IMAP_PROCESSED_FOLDER"],
                   max_bytes=config["INBOUND_MAX_BYTES"], ca_file=config["IMAP_CA_FILE"],
                   timeout=config["IMAP_TIMEOUT"])

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class FetchReport:
    """What one run did: messages handed over and marked done, and messages whose
    ``receive`` failed (left in place for the next run)."""

    read: int = 0
    failed: int = 0

    def describe(self) -> str:
        return f"read {self.read} messages, {self.failed} failed"


def fetch_mailbox(settings: MailboxSettings, receive: Callable[[bytes], None]) -> FetchReport:
    """Hand every waiting message in the settings' folder to ``receive`` once, and mark each
    one done after ``receive`` returned. Raises ``MailboxError`` when the mailbox cannot be
    read; an error in ``receive`` is logged and counted, and the other messages go on."""
    report = FetchReport()
    with open_mailbox(settings) as connection, mailbox_errors(settings):
        capabilities = server_capabilities(connection)
        if settings.processed_folder:
            create_folder_if_missing(connection, settings.processed_folder)
        check(connection.select(quoted(settings.folder)), f"select {settings.folder}")
        for uid in waiting_uids(connection, settings):
            raw = fetch_message(connection, uid, settings.max_bytes)
            if raw is None:
                continue  # gone meanwhile (another reader)
            if handed_over(receive, raw, uid, settings):
                mark_processed(connection, uid, settings, capabilities)
                report.read += 1
            else:
                report.failed += 1
    return report


def handed_over(receive: Callable[[bytes], None], raw: bytes, uid: bytes,
                settings: MailboxSettings) -> bool:
    """Whether ``receive`` took the message. Any error it raises is logged, not raised:
    one message it cannot take must not keep the others waiting."""
    try:
        receive(raw)
    except Exception:
        log.exception("could not receive message UID %s in %s; it stays for the next run",
                      uid.decode(), settings.folder)
        return False
    return True


@contextmanager
def open_mailbox(settings: MailboxSettings) -> Iterator[imaplib.IMAP4]:
    """A logged-in connection over the settings' TLS mode, logged out afterwards."""
    with mailbox_errors(settings):
        connection = connect(settings)
    try:
        with mailbox_errors(settings, "login"):
            connection.login(settings.username, settings.password)
        yield connection
    finally:
        close_quietly(connection)


def connect(settings: MailboxSettings) -> imaplib.IMAP4:
    """A connection to the server, encrypted unless the TLS mode is "none" (loopback only)."""
    if settings.tls not in TLS_MODES:
        raise MailboxError(f"IMAP_TLS must be one of {', '.join(TLS_MODES)}, "
                           f"not {settings.tls!r}")
    if settings.tls == "none":
        if not is_loopback(settings.host):
            raise MailboxError(f"IMAP_TLS=none is only allowed for a loopback host, not "
                               f"{settings.host!r}: the password would cross the network "
                               f"in clear (use ssl or starttls)")
        return imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.tls == "ssl":
        return imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context,
                                 timeout=settings.timeout)
    connection = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    try:
        connection.starttls(context)
    except BaseException:
        close_quietly(connection)
        raise
    return connection


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine without a network: ``localhost`` (RFC 6761) or a
    loopback address."""
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextmanager
def mailbox_errors(settings: MailboxSettings, doing: str = "") -> Iterator[None]:
    """Network, TLS and IMAP errors become a ``MailboxError`` naming the server."""
    try:
        yield
    except (OSError, imaplib.IMAP4.error) as error:
        what = f" ({doing} as {settings.username})" if doing else ""
        raise MailboxError(f"IMAP {settings.address}{what}: {describe_error(error)}") \
            from error


def describe_error(error: BaseException) -> str:
    """The server's words for an IMAP error (imaplib keeps them as bytes), else the error's."""
    if error.args and isinstance(error.args[0], bytes):
        return error.args[0].decode("utf-8", "replace")
    return str(error) or error.__class__.__name__


def close_quietly(connection: imaplib.IMAP4) -> None:
    """Log out, or at least close the socket; a connection that broke may refuse both."""
    try:
        connection.logout()
    except (OSError, imaplib.IMAP4.error):
        try:
            connection.shutdown()
        except OSError:
            pass


def check(response: tuple[str, list[Any]], doing: str) -> list[Any]:
    """The data of an OK response; a NO or BAD becomes an IMAP error."""
    status, data = response
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes))
        raise imaplib.IMAP4.error(f"{doing}: {status} {detail.decode('utf-8', 'replace')}")
    return data


def server_capabilities(connection: imaplib.IMAP4) -> frozenset[str]:
    """What the server can do once logged in (MOVE and UIDPLUS are only announced then)."""
    data = check(connection.capability(), "capability")
    words = b" ".join(item for item in data if isinstance(item, bytes)).decode("ascii")
    return frozenset(word.upper() for word in words.split())


def quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    if not folder.isascii() or any(character in folder for character in "\r\n"):
        raise MailboxError(f"IMAP folder names must be plain ASCII: {folder!r}")
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create_folder_if_missing(connection: imaplib.IMAP4, folder: str) -> None:
    listed = check(connection.list('""', quoted(folder)), f"list {folder}")
    if not any(listed):
        check(connection.create(quoted(folder)), f"create {folder}")


def waiting_uids(connection: imaplib.IMAP4, settings: MailboxSettings) -> list[bytes]:
    """The UIDs to read: every message when read ones are moved away, else the unseen."""
    criterion = "ALL" if settings.processed_folder else "UNSEEN"
    data = check(connection.uid("SEARCH", None, criterion), "search")
    return b" ".join(item for item in data if item).split()


def fetch_message(connection: imaplib.IMAP4, uid: bytes, max_bytes: int) -> bytes | None:
    """The message's first ``max_bytes + 1`` bytes, without setting \\Seen; None when the
    message is no longer there. One message is asked for, so the one answer with a body is
    it (others are flag changes; servers put its UID before or after the body)."""
    data = check(connection.uid("FETCH", uid, f"(BODY.PEEK[]<0.{max_bytes + 1}>)"),
                 f"fetch {uid.decode()}")
    for item in data:
        if isinstance(item, tuple) and b"BODY[" in item[0].upper():
            return item[1]
    return None


def mark_processed(connection: imaplib.IMAP4, uid: bytes, settings: MailboxSettings,
                   capabilities: frozenset[str]) -> None:
    """Move the message to the processed folder, or flag it \\Seen when there is none."""
    folder = settings.processed_folder
    if not folder:
        check(connection.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), "flag as seen")
    elif "MOVE" in capabilities:
        check(connection.uid("MOVE", uid, quoted(folder)), f"move to {folder}")
    else:
        check(connection.uid("COPY", uid, quoted(folder)), f"copy to {folder}")
        check(connection.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "flag as deleted")
        expunge_message(connection, uid, capabilities)


def expunge_message(connection: imaplib.IMAP4, uid: bytes,
                    capabilities: frozenset[str]) -> None:
    """Remove the copied message: only it with UIDPLUS (UID EXPUNGE), else every message
    flagged \\Deleted in the folder (the folder is the app's own)."""
    if "UIDPLUS" in capabilities:
        check(connection.uid("EXPUNGE", uid), "expunge")
    else:
        check(connection.expunge(), "expunge")

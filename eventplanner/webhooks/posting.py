"""Posting one webhook request: to the addresses ``addresses`` checked (each in turn until
one connects), never to a second DNS answer; TLS checked against the host name; 307 and
308 redirects followed by hand (at most ``MAX_REDIRECTS``), each target checked like the
first. The whole attempt (lookup, connecting, TLS, sending, every byte of the answer,
redirects) ends at one deadline, however slowly the receiver trickles its answer.
Standard library only."""

from __future__ import annotations

import functools
import http.client
import io
import select
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin

from eventplanner.webhooks.addresses import (
    URL_SAFE,
    AddressRule,
    RefusedUrl,
    Target,
    checked_target,
)

MAX_REDIRECTS = 3
#: Redirects that keep the method and the body (RFC 9110 15.4.8-9): followed.
FOLLOWED_REDIRECTS = (307, 308)
#: Redirects after which a client may turn the POST into a GET: a failed attempt, so the
#: receiver's address gets fixed rather than the event silently lost.
REFUSED_REDIRECTS = (301, 302, 303)
#: How much of the receiver's answer is kept (the delivery log shows it).
EXCERPT_LENGTH = 500
#: The most of an answer read in all (status line, headers, the excerpt's bytes and the
#: buffer's read-ahead): past it the answer is refused. http.client also caps one header
#: line (64 KiB) and the number of headers (100).
MAX_ANSWER_BYTES = 80 * 1024
USER_AGENT = "eventplanner-webhooks"


@dataclass(frozen=True)
class PostOutcome:
    """What the receiver answered (``status``: None if nothing came back), the start of its
    answer, and what went wrong on our side ("" if the request was answered)."""

    status: int | None
    excerpt: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class AnswerTooLong(http.client.HTTPException):
    pass


def _time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes, each read given only the time left before ``deadline``, and
    no more than ``MAX_ANSWER_BYTES`` in all."""

    def __init__(self, sock: socket.socket, deadline: float, socket_file) -> None:
        super().__init__()
        self._sock, self._deadline, self._read = sock, deadline, 0
        #: The socket's own file: while it is open, closing the connection does not
        #: close the socket under the answer being read (as http.client expects).
        self._socket_file = socket_file

    def close(self) -> None:
        self._socket_file.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._read >= MAX_ANSWER_BYTES:
            raise AnswerTooLong(f"answer longer than {MAX_ANSWER_BYTES} bytes")
        self._sock.settimeout(_time_left(self._deadline))
        with memoryview(buffer) as view:
            count = self._sock.recv_into(view[:MAX_ANSWER_BYTES - self._read])
        self._read += count
        return count


class _DeadlineResponse(http.client.HTTPResponse):
    """A response read through ``_DeadlineReader``."""

    def __init__(self, sock, debuglevel=0, method=None, url=None, *, deadline: float):
        super().__init__(sock, debuglevel, method, url)
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, self.fp))


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to the checked addresses (the first that connects) with ``host`` in the Host
    header; every step within ``deadline``."""

    def __init__(self, target: Target, deadline: float) -> None:
        super().__init__(target.host, target.port, timeout=_time_left(deadline))
        self._addresses, self._deadline = target.addresses, deadline
        self.response_class = functools.partial(_DeadlineResponse, deadline=deadline)

    def connect(self) -> None:
        failure: OSError | None = None
        for number, address in enumerate(self._addresses):
            # Each address a fair share of the time left, so a broken first one (an
            # AAAA record nothing answers on) leaves time for the next.
            share = _time_left(self._deadline) / (len(self._addresses) - number)
            try:
                self.sock = socket.create_connection((address, self.port), share)
                break
            except OSError as error:
                failure = error
        else:
            raise failure or OSError("no address to connect to")
        self.sock.settimeout(_time_left(self._deadline))

    def send(self, data) -> None:
        if self.sock is not None:
            self.sock.settimeout(_time_left(self._deadline))
        super().send(data)


class _PinnedTlsConnection(_PinnedConnection):
    """HTTPS to the checked addresses: SNI and the certificate checked against ``host``;
    the handshake within the deadline too."""

    default_port = 443

    def __init__(self, target: Target, deadline: float,
                 context: ssl.SSLContext | None = None) -> None:
        super().__init__(target, deadline)
        self._context = context or ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        tls = self._context.wrap_socket(self.sock, server_hostname=self.host,
                                        do_handshake_on_connect=False)
        self.sock = tls
        tls.setblocking(False)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                ready = select.select([tls], [], [], _time_left(self._deadline))[0]
            except ssl.SSLWantWriteError:
                ready = select.select([], [tls], [], _time_left(self._deadline))[1]
            if not ready:
                raise TimeoutError("timed out")
        tls.settimeout(_time_left(self._deadline))


def post_json(url: str, body: str, headers: dict[str, str], *, timeout: float,
              rule: AddressRule, tls_context: ssl.SSLContext | None = None) -> PostOutcome:
    """POST ``body`` (JSON) with ``headers`` to ``url``. Never raises for what the network,
    the receiver or the URL does: the outcome says it. ``timeout`` bounds the whole
    attempt, the host name's lookup and redirects included."""
    deadline = time.monotonic() + timeout
    status, excerpt = None, ""
    try:
        target = checked_target(url, rule, timeout)
        for _ in range(MAX_REDIRECTS + 1):
            status, excerpt, location = _post_once(target, body, headers, deadline,
                                                   tls_context)
            if status in REFUSED_REDIRECTS:
                return PostOutcome(status, excerpt,
                                   f"redirected with {status}: use the final address")
            if status not in FOLLOWED_REDIRECTS or not location:
                return PostOutcome(status, excerpt)
            # http.client reads headers as Latin-1: back to the bytes sent, then
            # percent-encoded (a UTF-8 path comes out as the receiver meant it).
            next_url = urljoin(target.url, quote(location.encode("latin-1", "replace"),
                                                 safe=URL_SAFE + "#"))
            try:
                following = checked_target(next_url, rule, _time_left(deadline))
            except RefusedUrl as error:
                return PostOutcome(status, excerpt,
                                   f"redirect to {next_url[:200]} refused: {error}"[:300])
            if following.scheme != target.scheme and following.scheme != "https":
                return PostOutcome(
                    status, excerpt,
                    f"redirect from https to http refused: {next_url[:200]}"[:300])
            target = following
    except RefusedUrl as error:
        return PostOutcome(None, error=f"refused: {error}")
    except TimeoutError:
        return PostOutcome(None, error="timed out")
    except ssl.SSLError as error:
        return PostOutcome(None, error=f"TLS error: {error}"[:300])
    except (OSError, http.client.HTTPException, ValueError) as error:
        # ValueError: a URL or header http.client will not send (UnicodeError among them).
        return PostOutcome(None, error=f"{type(error).__name__}: {error}"[:300])
    return PostOutcome(status, excerpt, f"more than {MAX_REDIRECTS} redirects")


def _post_once(target: Target, body: str, headers: dict[str, str], deadline: float,
               tls_context: ssl.SSLContext | None) -> tuple[int, str, str]:
    connection = (_PinnedTlsConnection(target, deadline, tls_context)
                  if target.scheme == "https" else _PinnedConnection(target, deadline))
    try:
        connection.request("POST", target.path, body=body.encode(), headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        # Enough bytes for the excerpt (UTF-8: at most four a character); not the rest.
        excerpt = response.read(EXCERPT_LENGTH * 4).decode("utf-8", "replace")
        # PostgreSQL keeps no NUL character in text: shown as the replacement character.
        excerpt = excerpt[:EXCERPT_LENGTH].replace("\x00", "\ufffd")
        return response.status, excerpt, response.getheader("Location", "")
    finally:
        connection.close()

"""Posting one webhook request: to the address ``addresses`` checked, never to a second
DNS answer; TLS checked against the host name; redirects followed by hand (at most
``MAX_REDIRECTS``), each target checked like the first. Standard library only."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from eventplanner.webhooks.addresses import AddressRule, RefusedUrl, Target, checked_target

MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
#: How much of the receiver's answer is kept (the delivery log shows it).
EXCERPT_LENGTH = 500
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


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to ``address`` with ``host`` in the Host header."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTlsConnection(_PinnedConnection):
    """HTTPS to ``address``: SNI and the certificate checked against ``host``."""

    default_port = 443

    def __init__(self, target: Target, timeout: float,
                 context: ssl.SSLContext | None = None) -> None:
        super().__init__(target, timeout)
        self._context = context or ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def post_json(url: str, body: str, headers: dict[str, str], *, timeout: float,
              rule: AddressRule, tls_context: ssl.SSLContext | None = None) -> PostOutcome:
    """POST ``body`` (JSON) with ``headers`` to ``url``. Never raises for what the network
    or the receiver does: the outcome says it. ``timeout`` bounds the whole attempt,
    redirects included (each connection gets what is left)."""
    deadline = time.monotonic() + timeout
    try:
        target = checked_target(url, rule)
    except RefusedUrl as error:
        return PostOutcome(None, error=f"refused: {error}")
    for _ in range(MAX_REDIRECTS + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            return PostOutcome(None, error="timed out")
        try:
            status, excerpt, location = _post_once(target, body, headers, left, tls_context)
        except TimeoutError:
            return PostOutcome(None, error="timed out")
        except ssl.SSLError as error:
            return PostOutcome(None, error=f"TLS error: {error}"[:300])
        except (OSError, http.client.HTTPException) as error:
            return PostOutcome(None, error=f"{type(error).__name__}: {error}"[:300])
        if status not in REDIRECTS or not location:
            return PostOutcome(status, excerpt)
        next_url = urljoin(target.url, location)
        try:
            following = checked_target(next_url, rule)
        except RefusedUrl as error:
            return PostOutcome(status, excerpt,
                               f"redirect to {next_url[:200]} refused: {error}"[:300])
        if following.scheme != target.scheme and following.scheme != "https":
            return PostOutcome(status, excerpt,
                               f"redirect from https to http refused: {next_url[:200]}"[:300])
        target = following
    return PostOutcome(status, excerpt, f"more than {MAX_REDIRECTS} redirects")


def _post_once(target: Target, body: str, headers: dict[str, str], timeout: float,
               tls_context: ssl.SSLContext | None) -> tuple[int, str, str]:
    connection = (_PinnedTlsConnection(target, timeout, tls_context)
                  if target.scheme == "https" else _PinnedConnection(target, timeout))
    try:
        connection.request("POST", target.path, body=body.encode(), headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        # Enough bytes for the excerpt (UTF-8: at most four a character); not the rest.
        excerpt = response.read(EXCERPT_LENGTH * 4).decode("utf-8", "replace")
        return response.status, excerpt[:EXCERPT_LENGTH], response.getheader("Location", "")
    finally:
        connection.close()

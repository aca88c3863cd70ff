"""A real CalDAV server for the tests: Radicale (PyPI, in the test extra) on loopback, with
no authentication and a filesystem store in a temporary folder, started once per test
session as a subprocess.

Without Radicale installed the tests that use it are skipped, and fail in CI (``CI``
set), as the browser tests do. Each test makes calendar collections of its own
(``new_calendar``), so tests that share the server share nothing else.
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Radicale takes any name and password with ``--auth-type none``; a collection belongs to
#: the name in the request (its default rights: each user their own collections).
USER = "organiser"


class CalDAVServer:
    """The Radicale server, spoken to over plain HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._names = itertools.count(1)

    def request(self, method: str, path: str, body: bytes = b"",
                **headers) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        auth = base64.b64encode(f"{USER}:x".encode()).decode()
        try:
            connection.request(method, path, body,
                               {"Authorization": f"Basic {auth}", **headers})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def new_calendar(self) -> CalDAVCalendar:
        """A new, empty calendar collection (MKCALENDAR, RFC 4791 5.3.1)."""
        calendar = CalDAVCalendar(self, f"/{USER}/calendar-{next(self._names)}/")
        status, content = self.request("MKCALENDAR", calendar.path)
        assert status == 201, content
        return calendar


class CalDAVCalendar:
    """One calendar collection on the server."""

    def __init__(self, server: CalDAVServer, path: str) -> None:
        self.server = server
        self.path = path

    def request(self, method: str, path: str, body: bytes = b"", **headers):
        return self.server.request(method, path, body, **headers)

    def put(self, name: str, content: bytes) -> tuple[int, bytes]:
        """Store ``content`` as the resource ``<name>`` in this collection."""
        return self.request("PUT", self.path + name, content,
                            **{"Content-Type": "text/calendar; charset=utf-8"})

    def get(self, name: str) -> tuple[int, bytes]:
        return self.request("GET", self.path + name)


def _radicale_missing() -> None:
    message = "radicale is not installed: install the test extra (pip install -e '.[test]')"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_it_answers(server: subprocess.Popen, port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert server.poll() is None, "Radicale stopped while starting"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "Radicale did not start"
            time.sleep(0.1)


def start_radicale(folder: Path) -> tuple[subprocess.Popen, int]:
    """Radicale on a free loopback port with its store in ``folder``; returns once it
    answers."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "",
         "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "none",
         "--storage-filesystem-folder", str(folder), "--logging-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_it_answers(server, port, 20)
    except BaseException:
        stop(server)
        raise
    return server, port


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def caldav_server(tmp_path_factory) -> Iterator[CalDAVServer]:
    """Radicale for the whole session (each xdist worker starts its own)."""
    if importlib.util.find_spec("radicale") is None:
        _radicale_missing()
    server, port = start_radicale(tmp_path_factory.mktemp("radicale") / "collections")
    try:
        yield CalDAVServer(port)
    finally:
        stop(server)

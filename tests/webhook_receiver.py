"""A real HTTP server on loopback that receives webhooks: it keeps every request (headers
and body) and answers as the test tells it (a status, a body, a redirect)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> dict:
        """The JSON body, after the reference library checked its signature (it raises
        ``WebhookVerificationError`` if it does not match)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    host: str
    port: int = 0
    #: Answers to give, in turn (the last one repeats): (status, body, headers).
    answers: list[tuple[int, str, dict]] = field(default_factory=lambda: [(200, "ok", {})])
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hooks"

    def answer(self, status: int, body: str = "", **headers: str) -> None:
        self.answers = [(status, body, headers)]

    def next_answer(self) -> tuple[int, str, dict]:
        with self.lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def ids(self) -> list[str]:
        return [request.headers["webhook-id"] for request in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            status, text, headers = receiver.next_answer()
            payload = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args) -> None:  # quiet
            pass

    return Handler


def start_receiver(host: str = "127.0.0.1") -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(host)
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def second_receiver() -> Iterator[Receiver]:
    """Another receiver, on 127.0.0.2 (loopback too, another address)."""
    found, server = start_receiver("127.0.0.2")
    yield found
    server.shutdown()
    server.server_close()

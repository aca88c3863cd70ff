"""Structured logs: one JSON line per request and per email, for a log collector to read.

Personal links are secrets: paths under /r/, /door/ and the calendar feed are logged with
the token replaced, and email addresses are not logged (the message id leads to them).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime

from flask import Flask

SECRET_PATHS = re.compile(r"^/(r|door|calendar/feed)/[^/.]+")
REQUEST_LOG = logging.getLogger("eventplanner.request")


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def path_for_logs(path: str) -> str:
    return SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/…", path)


class RequestLog:
    """WSGI middleware: one JSON line per request once the app has answered (method, path
    with tokens masked, endpoint, status, milliseconds, bytes, address).

    A middleware rather than Flask hooks: two hooks and their bookkeeping cost about a
    tenth of the busiest page. It sits inside ProxyFix, so the address is the client's.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer: list = []

        def remember(status, headers, exc_info=None):
            # Flask drops environ["werkzeug.request"] when the request ends: keep its rule.
            request = environ.get("werkzeug.request")
            answer[:] = [status, headers, getattr(request, "url_rule", None)]
            return start_response(status, headers, exc_info)

        body = self.app(environ, remember)
        path = environ.get("PATH_INFO", "")
        if answer and not path.startswith("/static/") and REQUEST_LOG.isEnabledFor(
                logging.INFO):
            write_request_line(request_line(environ, *answer, started))
        return body


def request_line(environ: dict, status: str, headers: list, rule, started: float) -> str:
    """The JSON line for one request, as ``JsonLines`` would write it."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    size = next((value for name, value in headers if name == "Content-Length"), "null")
    # The path and the address (from X-Forwarded-For behind a proxy) are the client's text
    # and are escaped; a method is an HTTP token (no quote, no backslash), endpoints ours.
    endpoint = f'"{rule.endpoint}"' if rule is not None else "null"
    return (f'{{"time": "{stamp}.{int(now * 1000) % 1000:03d}+00:00", "level": "info", '
            f'"logger": "{REQUEST_LOG.name}", "message": "request", '
            f'"method": "{environ.get("REQUEST_METHOD", "")}", '
            f'"path": {json.dumps(path_for_logs(environ.get("PATH_INFO", "")))}, '
            f'"endpoint": {endpoint}, "status": {int(status[:3])}, '
            f'"ms": {round((time.perf_counter() - started) * 1000, 1)}, '
            f'"bytes": {size}, "remote": {json.dumps(environ.get("REMOTE_ADDR"))}}}')


def write_request_line(line: str) -> None:
    """Straight to our JSON handler's stream; any other handler gets a proper record."""
    current = REQUEST_LOG
    while current:
        for handler in current.handlers:
            if isinstance(handler, logging.StreamHandler) and \
                    isinstance(handler.formatter, JsonLines):
                handler.stream.write(line + "\n")
            else:
                handler.handle(REQUEST_LOG.makeRecord(
                    REQUEST_LOG.name, logging.INFO, __file__, 0, "request", (), None,
                    extra={"fields": json.loads(line)}))
        current = current.parent if current.propagate else None


def init_logging(app: Flask) -> None:
    """JSON lines on stderr for the app's loggers (unless the host configured logging),
    and the request log around the app."""
    package = logging.getLogger("eventplanner")
    if app.config.get("LOG_JSON", True) and not package.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        package.addHandler(handler)
        package.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        package.propagate = False
    app.wsgi_app = RequestLog(app.wsgi_app)

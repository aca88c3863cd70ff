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

from flask import Flask, g, request

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


def request_line(started: float, response) -> str:
    """The JSON line for one request, as ``JsonLines`` writes records."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    size = response.calculate_content_length()
    text = json.dumps  # only for what the client or the routes chose; the rest is ours
    return (f'{{"time": "{stamp}.{int(now * 1000) % 1000:03d}+00:00", "level": "info", '
            f'"logger": "{REQUEST_LOG.name}", "message": "request", '
            f'"method": {text(request.method)}, "path": {text(path_for_logs(request.path))}, '
            f'"endpoint": {text(request.endpoint)}, "status": {response.status_code}, '
            f'"ms": {round((time.perf_counter() - started) * 1000, 1)}, '
            f'"bytes": {"null" if size is None else size}, '
            f'"remote": {text(request.remote_addr)}}}')


def init_logging(app: Flask) -> None:
    """JSON lines on stderr for the app's loggers (unless the host configured logging).

    The request line is written straight to the handler's stream, not through a log record:
    on the busiest page the logging machinery cost a quarter of the request."""
    package = logging.getLogger("eventplanner")
    if app.config.get("LOG_JSON", True) and not package.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        package.addHandler(handler)
        package.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        package.propagate = False

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.pop("request_started", None)
        if started is None or request.endpoint == "static":
            return response
        if REQUEST_LOG.isEnabledFor(logging.INFO):
            for handler in _handlers_of(REQUEST_LOG):
                if isinstance(handler, logging.StreamHandler) and \
                        isinstance(handler.formatter, JsonLines):
                    handler.stream.write(request_line(started, response) + "\n")
                else:  # someone attached their own handler: give it a proper record
                    handler.handle(REQUEST_LOG.makeRecord(
                        REQUEST_LOG.name, logging.INFO, __file__, 0, "request", (), None,
                        extra={"fields": json.loads(request_line(started, response))}))
        return response


def _handlers_of(logger: logging.Logger) -> list[logging.Handler]:
    handlers, current = [], logger
    while current:
        handlers += current.handlers
        current = current.parent if current.propagate else None
    return handlers

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


def init_logging(app: Flask) -> None:
    """JSON lines on stderr for the app's loggers (unless the host configured logging)."""
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
        if started is not None and request.endpoint != "static":
            REQUEST_LOG.info("request", extra={"fields": {
                "method": request.method, "path": path_for_logs(request.path),
                "endpoint": request.endpoint, "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "bytes": response.calculate_content_length(),
                "remote": request.remote_addr}})
        return response

"""Absolute links for emails and calendar files, built from ``BASE_URL``.

They work inside and outside a request (the mail worker and ``flask mail send-due`` have
none), and never trust the Host header of the request that caused them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter, Map, MapAdapter


def _adapter() -> MapAdapter:
    """One URL builder per application and base address (building 5,000 links reuses it)."""
    base_url = current_app.config["BASE_URL"]
    cached = current_app.extensions.get("absolute_url_adapter")
    if cached is None or cached[0] != base_url:
        base = urlsplit(base_url)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
        cached = current_app.extensions["absolute_url_adapter"] = (base_url, adapter)
    return cached[1]


def absolute_url(endpoint: str, **values) -> str:
    return _adapter().build(endpoint, values, force_external=True)


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (where to go after logging in or switching
    workspace), never another host; else None."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return None


#: The largest id a row can have (the databases' 32-bit INTEGER primary keys).
LARGEST_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in a route: a whole number that can be a row's id (1 to
    ``LARGEST_ID``). A longer number matches no route (404), rather than reaching the
    database as a number it cannot compare with an INTEGER column."""

    def __init__(self, map: Map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def row_id(text: str | None) -> int | None:
    """A query argument read as a row's id (``?company=12``), or None when it is missing or
    cannot be one (not a number, below 1, too large)."""
    if text is None or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= LARGEST_ID else None

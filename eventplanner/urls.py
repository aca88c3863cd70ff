"""Absolute links for emails and calendar files, built from ``BASE_URL``.

They work inside and outside a request (the mail worker and ``flask mail send-due`` have
none), and never trust the Host header of the request that caused them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


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

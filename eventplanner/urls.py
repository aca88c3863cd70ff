"""Absolute links for emails and calendar files, built from ``BASE_URL``.

They work inside and outside a request (the mail worker and ``flask mail send-due`` have
none), and never trust the Host header of the request that caused them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)

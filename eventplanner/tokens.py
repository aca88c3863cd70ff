"""Personal links: unguessable, never stored, and still shown to the organiser at any time.

The token in ``/r/<token>`` is ``HMAC-SHA256(key, "invitation:<id>:<nonce>")``: 256 bits that
only someone with the server key can compute. The database keeps the random nonce and the
SHA-256 digest of the token (for the look-up), so a copy of the database alone opens no
link. A new nonce makes a new link and kills the old one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets

from flask import current_app

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_key() -> bytes:
    """``TOKEN_KEY`` if set, else a key derived from ``SECRET_KEY`` for this purpose only."""
    configured = current_app.config.get("TOKEN_KEY")
    if configured:
        return configured.encode()
    return _derived_key(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def _derived_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"eventplanner invitation links",
                    hashlib.sha256).digest()


def new_nonce() -> str:
    return secrets.token_hex(32)


def make_token(purpose: str, object_id: int, nonce: str, key: bytes | None = None) -> str:
    """The secret token for an object: URL-safe, 43 characters, 256 bits."""
    message = f"{purpose}:{object_id}:{nonce}".encode()
    mac = hmac.new(key or token_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """What the database stores and looks up: SHA-256 of the token, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(candidate: str) -> bool:
    return bool(TOKEN_PATTERN.match(candidate or ""))

"""Signatures per the Standard Webhooks specification (standardwebhooks.com).

The secret is ``whsec_`` and the base64 of 32 random bytes; each request carries
``webhook-id`` (the delivery's message id, the same on every attempt), ``webhook-timestamp``
(Unix seconds of the attempt) and ``webhook-signature``: ``v1,`` and the base64 of the
HMAC-SHA256, keyed with the decoded secret, of ``{id}.{timestamp}.{body}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # nosec B105 - the format's prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    """A ``webhook-id``: ``msg_`` and 128 random bits."""
    return "msg_" + secrets.token_urlsafe(16)


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}

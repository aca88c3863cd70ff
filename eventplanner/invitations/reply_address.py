"""Each invitation's own reply address, ``rsvp+<id>-<code>@REPLY_DOMAIN``: the ORGANIZER of
the calendar invitations a guest receives, so that the Yes their calendar program sends
comes back to the app and names the invitation it answers.

The code is 160 bits of HMAC over the guest's current link token, written in lower-case
base32 (mail servers may change the case of a local part): nothing is stored, only the
server key can make one, and reissuing the link gives a new address (the old one stops
counting).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import Invitation
from eventplanner.tokens import token_key

_CODE_BYTES = 20
_LOCAL_PART = re.compile(r"^(?P<id>[1-9][0-9]{0,9})-(?P<code>[a-z2-7]{32})$")


def reply_domain() -> str:
    """The domain replies go to; empty while the app reads no replies."""
    return current_app.config.get("REPLY_DOMAIN", "")


def _code(invitation: Invitation) -> str:
    mac = hmac.new(token_key(), b"reply:" + invitation_token(invitation).encode(),
                   hashlib.sha256).digest()[:_CODE_BYTES]
    return base64.b32encode(mac).decode().lower()


def reply_address(invitation: Invitation) -> str | None:
    """The invitation's reply address, or None while no reply domain is configured."""
    domain = reply_domain()
    if not domain:
        return None
    prefix = current_app.config["REPLY_PREFIX"]
    return f"{prefix}+{invitation.id}-{_code(invitation)}@{domain}"


def invitation_id_in(address: str) -> int | None:
    """The invitation id an address claims to be the reply address of (unchecked), or
    None when it is not one of ours at all."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    prefix, plus, rest = local.partition("+")
    if (not plus or domain.lower() != reply_domain() or not reply_domain()
            or prefix.lower() != current_app.config["REPLY_PREFIX"].lower()):
        return None
    match = _LOCAL_PART.match(rest.lower())
    return int(match["id"]) if match else None


def is_reply_address_of(invitation: Invitation, address: str) -> bool:
    """Whether ``address`` is the invitation's current reply address (any letter case)."""
    expected = reply_address(invitation)
    return expected is not None and hmac.compare_digest(
        expected.lower().encode(), address.strip().strip("<>").lower().encode())

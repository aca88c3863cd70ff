"""API tokens: keys with which another system (a CRM) calls the workspace's API.

A token is ``ep_`` and 43 characters of a 256-bit secret from ``secrets``, shown once when
it is made; only its SHA-256 digest is kept. It is the workspace's, made by an admin (or the
owner) for what it names (its scopes, ``access.API_SCOPES``), until it expires or is
revoked. It works only while the member who made it may still manage the workspace's
integrations: a member who leaves, is removed or is made an organiser takes the tokens they
made out of use with them, and every call acts as them, within their role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventplanner.access import API_SCOPES, ROLE_ACTIONS, Action
from eventplanner.audit.services import record
from eventplanner.auth.models import ApiToken, Membership, Organiser
from eventplanner.errors import Forbidden, InvalidInput, NotFound
from eventplanner.extensions import db
from eventplanner.tokens import token_digest

PREFIX = "ep_"
#: The longest a token may be given (a token without an expiry date lasts until revoked).
LONGEST_LIFETIME = timedelta(days=3 * 365)
#: How often a token's "last used" is written: not on every call of a busy sync.
LAST_USED_RESOLUTION = timedelta(minutes=1)


#: What each scope lets a token do, as an admin reads it when making one.
SCOPE_LABELS = {
    "events:read": _l("Read events and their parts"),
    "events:write": _l("Create and change events and their parts"),
    "contacts:read": _l("Read contacts, companies, tags and account managers"),
    "contacts:write": _l("Create, change and delete contacts and companies"),
    "contacts:erase": _l("Erase a contact's personal data"),
    "guests:read": _l("Read invitations, answers, check-ins, results and feedback"),
    "guests:write": _l("Invite, answer for guests, check in, record results"),
}


class TokenRefused(Exception):
    """A call's token does not work; ``reason`` says why, in the caller's language."""

    def __init__(self, reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: The secret itself: shown once, never stored.
    secret: str


def looks_like_api_token(candidate: str) -> bool:
    return (candidate.startswith(PREFIX) and len(candidate) == len(PREFIX) + 43
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in candidate[3:]))


def tokens_of(workspace_id: int) -> list[ApiToken]:
    """The workspace's tokens, newest first, with their makers loaded."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.workspace_id == workspace_id)
        .options(selectinload(ApiToken.created_by))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def get_token_of(workspace_id: int, token_id: int) -> ApiToken:
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                     ApiToken.workspace_id == workspace_id))
    if token is None:
        raise NotFound()
    return token


def create_token(actor: Organiser, name: str, scopes: list[str], expires_at: datetime | None,
                 now: datetime) -> NewToken:
    """A new token of the actor's workspace; ``InvalidInput`` for an unknown scope, no
    scope, or an expiry in the past or too far ahead."""
    if not _may_manage(actor):
        raise Forbidden()
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_l("Give the token a name that says what it is for."))
    unknown = sorted(set(scopes) - set(API_SCOPES))
    if unknown or not scopes:
        raise InvalidInput(_l("Choose at least one thing the token may do."))
    if expires_at is not None and not now < expires_at <= now + LONGEST_LIFETIME:
        raise InvalidInput(_l("A token expires between tomorrow and three years from now."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(workspace_id=actor.workspace_id, name=name[:80],
                     scopes=" ".join(sorted(set(scopes))), token_digest=token_digest(secret),
                     prefix=secret[:7], created_by=actor, created_at=now,
                     expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    record(actor.workspace_id, actor, "api_token.created",
           details={"token": token.name, "scopes": token.scopes,
                    "expires_at": expires_at.isoformat() if expires_at else None})
    return NewToken(token, secret)


def revoke_token(actor: Organiser, token: ApiToken, now: datetime) -> None:
    """Stop ``token`` working, at once (a second revocation changes nothing)."""
    if not _may_manage(actor) or token.workspace_id != actor.workspace_id:
        raise Forbidden()
    if token.revoked_at is None:
        token.revoked_at = now
        record(token.workspace_id, actor, "api_token.revoked", details={"token": token.name})


def _may_manage(organiser: Organiser) -> bool:
    membership = organiser.membership
    return membership is not None and Action.MANAGE_INTEGRATIONS in ROLE_ACTIONS[membership.role]


def authenticate(secret: str, now: datetime) -> tuple[ApiToken, Organiser]:
    """The token a call carries and the member it acts as (working in the token's
    workspace); ``TokenRefused`` if it does not work, with the reason."""
    token = None
    if looks_like_api_token(secret):
        token = db.session.scalar(select(ApiToken).where(
            ApiToken.token_digest == token_digest(secret)))
    if token is None:
        raise TokenRefused(_l("This API token is not valid."))
    if token.revoked_at is not None:
        raise TokenRefused(_l("This API token was revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused(_l("This API token has expired."))
    member = token.created_by
    membership = None if member is None else db.session.scalar(
        select(Membership).where(Membership.workspace_id == token.workspace_id,
                                 Membership.organiser_id == member.id))
    if membership is None or Action.MANAGE_INTEGRATIONS not in ROLE_ACTIONS[membership.role]:
        raise TokenRefused(_l("This API token stopped working: the member who made it no "
                              "longer manages the workspace's integrations."))
    member.work_in(membership)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token, member

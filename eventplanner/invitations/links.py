"""Guests' personal links: the token, the link, finding the invitation behind it, revoking,
reissuing, noting the first open.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from eventplanner.errors import InvalidState
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.invitations.errors import LinkNotValid
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.signals import announce_places_changed
from eventplanner.tokens import (
    looks_like_token,
    make_token,
    new_nonce,
    token_digest,
)
from eventplanner.urls import absolute_url


def invitation_token(invitation: Invitation) -> str:
    return make_token("invitation", invitation.id, invitation.token_nonce)


def invitation_link(invitation: Invitation) -> str:
    """The guest's personal link, absolute, for emails and for the organiser to copy."""
    return absolute_url("rsvp.guest_page", token=invitation_token(invitation))


def _give_new_link(invitation: Invitation) -> None:
    invitation.token_nonce = new_nonce()
    invitation.token_digest = token_digest(invitation_token(invitation))


def find_invitation_by_token(token: str) -> Invitation:
    """The invitation behind a personal link; ``LinkNotValid`` for a wrong or revoked one."""
    if not looks_like_token(token):
        raise LinkNotValid()
    invitation = db.session.scalars(
        _BY_DIGEST, {"digest": token_digest(token)}).unique().first()
    if invitation is None or invitation.is_revoked:
        raise LinkNotValid()
    return invitation


#: Built once: the invitation with its event, parts, contact and answers, in one statement
#: (a guest's parts times their answers: a few rows).
_BY_DIGEST = (select(Invitation).where(Invitation.token_digest == bindparam("digest"))
              .options(joinedload(Invitation.event).joinedload(Event.activities),
                       joinedload(Invitation.contact), joinedload(Invitation.responses)))


def revoke_link(invitation: Invitation, now: datetime) -> None:
    """The link stops working at once; the guest stays invited and keeps their answers.
    An answer sent through it at the same moment either lands first or is refused."""
    lock_events([invitation.event_id])
    invitation.revoked_at = now
    db.session.flush()
    announce_places_changed([invitation.id], "revoked")


def refuse_if_erased(invitation: Invitation) -> None:
    if invitation.anonymised_at is not None:
        raise InvalidState(_l("This guest's personal data was erased: they get no new link."))


def reissue_link(invitation: Invitation) -> str:
    """A new link replaces the old one, which stops working. Returns the new link.
    An answer sent through the old link at the same moment either lands first or is
    refused."""
    lock_events([invitation.event_id])
    refuse_if_erased(invitation)
    _give_new_link(invitation)
    invitation.revoked_at = None
    db.session.flush()
    return invitation_link(invitation)


def record_opened(invitation_id: int, now: datetime) -> None:
    """Note when the guest first opened their link. The page itself does not change."""
    db.session.execute(
        update(Invitation).where(Invitation.id == invitation_id, Invitation.opened_at.is_(None))
        .values(opened_at=now, updated_at=Invitation.updated_at)
        .execution_options(synchronize_session=False))


def guest_form_secret(invitation: Invitation) -> str:
    """The CSRF token of this guest's forms: bound to their link, so no cookie is needed."""
    return make_token("guest-form", invitation.id, invitation.token_nonce)

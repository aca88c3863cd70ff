"""Guests' personal links: the token, the link, finding the invitation behind it, revoking,
reissuing, noting the first open, and the light state read for the page cache.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.errors import InvalidState
from eventplanner.events.models import Event, GuestPageVersion
from eventplanner.extensions import db
from eventplanner.invitations.errors import LinkNotValid
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.tokens import (
    looks_like_token,
    make_token,
    new_nonce,
    token_digest,
)
from eventplanner.locking import lock_events
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
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_digest == token_digest(token))
        .options(
            joinedload(Invitation.event).selectinload(Event.activities),
            joinedload(Invitation.contact),
            selectinload(Invitation.responses),
        )
    )
    if invitation is None or invitation.is_revoked:
        raise LinkNotValid()
    return invitation


def revoke_link(invitation: Invitation, now: datetime) -> None:
    """The link stops working at once; the guest stays invited and keeps their answers.
    An answer sent through it at the same moment either lands first or is refused."""
    lock_events([invitation.event_id])
    invitation.revoked_at = now
    db.session.flush()


def _refuse_if_erased(invitation: Invitation) -> None:
    if invitation.anonymised_at is not None:
        raise InvalidState(_l("This guest's personal data was erased: they get no new link."))


def reissue_link(invitation: Invitation) -> str:
    """A new link replaces the old one, which stops working. Returns the new link.
    An answer sent through the old link at the same moment either lands first or is
    refused."""
    lock_events([invitation.event_id])
    _refuse_if_erased(invitation)
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


@dataclass(frozen=True)

class LinkState:
    """What decides a guest page's content, read in one light query (for the page cache):
    the invitation, and its event's guest page version, which moves in the same
    transaction as every change to a row the page shows (``rsvp.page_versions``)."""

    invitation_id: int
    opened: bool
    version: int

    def page_key(self, *variant) -> tuple:
        return (self.invitation_id, self.version, *variant)


def _link_state_query():
    # The one parameter is the digest, so the statement runs on a bare DB-API cursor (see
    # ``link_state``). An event without a version row yet is at version 0.
    return (
        select(Invitation.id, Invitation.opened_at,
               func.coalesce(GuestPageVersion.version, literal_column("0")))
        .outerjoin(GuestPageVersion, GuestPageVersion.event_id == Invitation.event_id)
        .where(Invitation.token_digest == bindparam("digest"),
               Invitation.revoked_at.is_(None))
    )


#: Built once: a guest page GET runs this and, most of the time, nothing else.

LINK_STATE_QUERY = _link_state_query()


class _LinkStateStatement:
    """LINK_STATE_QUERY compiled for one database, run on a bare DB-API cursor with its
    columns' own converters: a third of the busiest page went to SQLAlchemy's execution
    machinery around a one-row primary-key-like lookup."""

    def __init__(self, engine) -> None:
        compiled = LINK_STATE_QUERY.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positiontup is not None
        self.converters = [
            column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
            for column in LINK_STATE_QUERY.selected_columns]

    def fetch_row(self, engine, digest: str) -> list | None:
        connection = engine.raw_connection()  # from the pool, rolled back on return
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql, [digest] if self.positional else {"digest": digest})
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        if row is None:
            return None
        return [convert(value) if convert else value
                for convert, value in zip(self.converters, row, strict=True)]


#: One compiled statement per engine; an engine that goes away takes its statement along.

_link_state_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def link_state(token: str) -> LinkState:
    """The state of the invitation behind a link; ``LinkNotValid`` for a wrong or revoked one."""
    if not looks_like_token(token):
        raise LinkNotValid()
    engine = db.engine
    statement = _link_state_statements.get(engine)
    if statement is None:
        statement = _link_state_statements[engine] = _LinkStateStatement(engine)
    row = statement.fetch_row(engine, token_digest(token))
    if row is None:
        raise LinkNotValid()
    invitation_id, opened_at, version = row
    return LinkState(invitation_id, opened_at is not None, version)


def guest_form_secret(invitation: Invitation) -> str:
    """The CSRF token of this guest's forms: bound to their link, so no cookie is needed."""
    return make_token("guest-form", invitation.id, invitation.token_nonce)

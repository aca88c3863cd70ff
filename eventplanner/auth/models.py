"""Organisers (the people who log in), their logins, and the workspaces they work in.

A workspace is a company's events team: it owns the contacts, companies, series, events and
notes, and its members each have a role in it. An account may belong to several workspaces
(an agency working for several companies) and works in one at a time.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class Role(enum.StrEnum):
    """A member's role in a workspace, from the most to the least it allows."""

    #: Everything, including who owns the workspace.
    OWNER = "owner"
    #: Members, settings, erasure, the audit trail, and all an organiser does.
    ADMIN = "admin"
    #: Events, contacts, invitations, results and feedback.
    ORGANISER = "organiser"
    #: Reads everything, changes nothing (the sales team before a client meeting).
    VIEWER = "viewer"


class Workspace(db.Model):
    """A company's events team: the owner of its client book and its events."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Members must sign in with two factors to work here (the owner's choice).
    requires_two_factor: Mapped[bool] = mapped_column(default=False)
    #: The most the team gives one client (a contact or a company) in a calendar year, in
    #: ``gift_limit_currency`` (many companies' anti-bribery rules set one); none when empty.
    gift_limit: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    gift_limit_currency: Mapped[str] = mapped_column(String(3), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Workspace {self.id} {self.name!r}>"


class Membership(db.Model):
    """An account's place in a workspace, with its role."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "organiser_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "member_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship(lazy="joined")
    organiser: Mapped[Organiser] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership {self.organiser_id} in {self.workspace_id} as {self.role}>"


class Organiser(UserMixin, db.Model):
    __tablename__ = "organiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased, so that one address is one account whatever its spelling.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: Shown to the guests they host ("Your host: Kari Nordmann, +47 ...").
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The private calendar feed of all their events: a nonce for the token and the token's
    #: digest for the look-up, as for guests' links. None: no feed.
    feed_nonce: Mapped[str | None] = mapped_column(String(64))
    feed_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: When the owner of the address confirmed it (the link of ``auth.services.sign_up``);
    #: None until then, and such an account cannot log in.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Two-factor sign-in (``auth.two_factor``): the TOTP secret (base32), set when set-up
    #: starts and in force from ``totp_enabled_at``; the last time step a code was used
    #: for, so that no code opens two logins.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organiser", order_by="Membership.id")

    #: The token of the login this object was loaded through (``auth.services``), never
    #: stored: what Flask-Login writes into the session and "keep me logged in" cookies.
    login_token = None

    #: The membership of the workspace this account works in now (see ``membership``).
    _membership = None

    #: One account is one object in a session (SQLAlchemy's identity map): compared as
    #: objects, not by ``UserMixin``'s login tokens, which an account loaded as someone's
    #: co-organiser has none of (``get_id`` raised when a second one was added or removed).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def membership(self) -> Membership | None:
        """The membership of the workspace the account works in now: the one its login
        chose (``work_in``), else its first; None for an account in no workspace."""
        chosen = self._membership
        if chosen is not None and inspect(chosen).detached:
            chosen = self._membership = db.session.get(Membership, inspect(chosen).identity)
        if chosen is None or chosen.organiser_id != self.id:
            self._membership = db.session.scalar(
                select(Membership).where(Membership.organiser_id == self.id)
                .order_by(Membership.id).limit(1))
        return self._membership

    def work_in(self, membership: Membership | None) -> None:
        """Work in ``membership``'s workspace from now on (for this loaded object)."""
        self._membership = membership

    @property
    def workspace_id(self) -> int | None:
        """The id of the workspace the account works in now, or None."""
        membership = self.membership
        return membership.workspace_id if membership is not None else None

    def get_id(self) -> str:
        """Flask-Login's "alternative id": the login's token, not the account's id, so that
        a cookie opens nothing once its login has ended."""
        if self.login_token is None:
            raise RuntimeError("start a login (auth.services.start_login) before login_user")
        return self.login_token

    def __repr__(self) -> str:
        return f"<Organiser {self.id} {self.email}>"


class Login(db.Model):
    """One login on one browser. Its token travels in that browser's cookies; only the
    token's digest is kept. Logging out deletes the row, and with it every copy of the
    cookies."""

    __tablename__ = "login"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"),
                                              index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The browser's User-Agent header when the login started, to tell logins apart on the
    #: profile page ("Firefox on Linux").
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class AccountToken(db.Model):
    """A single-use link emailed to an account's address (to confirm it; later, to reset a
    password): only the token's digest is kept, and it ends when used or when it expires."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"),
                                              index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app (a lost phone): only its
    digest is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"),
                                              index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JoinInvitation(db.Model):
    """An admin's invitation to join a workspace, by email: a single-use link (only its
    digest is kept) that expires, and can be revoked while pending."""

    __tablename__ = "join_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    #: Stored lower-cased.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, "join_role"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship()
    invited_by: Mapped[Organiser | None] = relationship()

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

    def __repr__(self) -> str:
        return f"<JoinInvitation {self.id} {self.email} to {self.workspace_id}>"


class ApiToken(db.Model):
    """A key another system (a CRM) uses to call the workspace's API. Only the SHA-256
    digest of the token is kept: it is shown once, when made. It works while it is not
    revoked or expired and while the member who made it may still manage the workspace
    (``team.api_tokens``)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    #: What it is for ("HubSpot sync").
    name: Mapped[str] = mapped_column(String(80))
    #: What it may do, space-separated (``access.API_SCOPES``): "contacts:read guests:write".
    scopes: Mapped[str] = mapped_column(String(300))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, to tell tokens apart in lists ("ep_7Hq2").
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Organiser | None] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"

"""Organisers: the people who log in and run events, and their logins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from eventplanner.extensions import UTCDateTime, db, utcnow


class Organiser(UserMixin, db.Model):
    __tablename__ = "organiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased, so that one address is one account whatever its spelling.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
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

    #: The token of the login this object was loaded through (``auth.services``), never
    #: stored: what Flask-Login writes into the session and "keep me logged in" cookies.
    login_token = None

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

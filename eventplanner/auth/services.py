"""Organiser accounts: registration, password checks and logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from eventplanner.auth.models import AccountToken, Login, Membership, Organiser, Role, Workspace
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.tokens import looks_like_token, token_digest


class EmailTaken(InvalidState):
    default_message = _l("An account with this email address already exists. Log in instead.")


def normalise_email(address: str) -> str:
    """The form in which an email address is stored and compared: trimmed, lower-case."""
    return address.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_organiser_by_email(address: str) -> Organiser | None:
    return db.session.scalar(select(Organiser).where(Organiser.email == normalise_email(address)))


def register_organiser(name: str, email: str, password: str, language: str = "en", *,
                       verified: bool = True, own_workspace: bool = True) -> Organiser:
    """Create an organiser account; raises ``EmailTaken`` if the address has one.
    ``verified``: whether the address counts as confirmed (an account made by the public
    registration page is not, until its owner follows the link of ``sign_up``).
    ``own_workspace``: whether the account starts a workspace of its own, which it owns
    (not for an account made by accepting an invitation to join a team)."""
    if find_organiser_by_email(email) is not None:
        raise EmailTaken()
    organiser = Organiser(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        language=language,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(organiser)
    db.session.flush()
    if own_workspace:
        start_workspace(organiser, organiser.name)
    return organiser


def start_workspace(organiser: Organiser, name: str) -> Membership:
    """A new workspace named ``name``, owned by ``organiser``, who works in it from now."""
    workspace = Workspace(name=name.strip()[:120])
    membership = Membership(workspace=workspace, organiser=organiser, role=Role.OWNER)
    db.session.add(membership)
    db.session.flush()
    organiser.work_in(membership)
    return membership


# --- registration and single-use links ----------------------------------------------------

CONFIRM_EMAIL = "confirm_email"
CONFIRM_EMAIL_LIFETIME = timedelta(days=2)


class AccountLinkNotValid(NotFound):
    default_message = _l("This link has expired or was used already. Log in to get a new "
                         "one.")


@dataclass(frozen=True)
class SignUp:
    """What the registration page did: a new account, unconfirmed, with the token of the
    link that confirms its address; or nothing, when ``organiser`` had the address
    already. The page says the same either way; only the email differs."""

    organiser: Organiser
    is_new: bool
    token: str | None


def sign_up(name: str, email: str, password: str, language: str, now: datetime) -> SignUp:
    """A registration from the public page. It takes as long whether or not the address
    has an account (a taken address's password is hashed too, and thrown away), so that
    neither the page nor its timing tells a stranger which addresses have accounts."""
    existing = find_organiser_by_email(email)
    if existing is not None:
        hash_password(password)  # the same work as a new account's
        return SignUp(existing, is_new=False, token=None)
    organiser = register_organiser(name, email, password, language, verified=False)
    return SignUp(organiser, is_new=True, token=new_confirmation_link(organiser, now))


def new_confirmation_link(organiser: Organiser, now: datetime) -> str:
    """A new link to confirm the account's address; the earlier ones stop working."""
    return _issue_account_token(organiser, CONFIRM_EMAIL, now, CONFIRM_EMAIL_LIFETIME)


def confirm_email(token: str, now: datetime) -> Organiser:
    """Follow a confirmation link: the address is confirmed and the link used up.
    ``AccountLinkNotValid`` for a wrong, used or expired one."""
    organiser = _use_account_token(token, CONFIRM_EMAIL, now)
    if organiser.email_verified_at is None:
        organiser.email_verified_at = now
    db.session.flush()
    return organiser


RESET_PASSWORD = "reset_password"  # nosec B105: the name of a link's purpose, not a password
RESET_PASSWORD_LIFETIME = timedelta(hours=1)


class WrongPassword(InvalidInput):
    default_message = _l("That is not your current password.")


def new_password_reset_link(organiser: Organiser, now: datetime) -> str:
    """A link to choose a new password, for an hour; the earlier ones stop working."""
    return _issue_account_token(organiser, RESET_PASSWORD, now, RESET_PASSWORD_LIFETIME)


def reset_password(token: str, password: str, now: datetime) -> Organiser:
    """Follow a reset link with a new password: the link is used up, the account's logins
    end everywhere, and the address counts as confirmed (the link reached its inbox)."""
    organiser = _use_account_token(token, RESET_PASSWORD, now)
    organiser.password_hash = hash_password(password)
    organiser.email_verified_at = organiser.email_verified_at or now
    end_all_logins(organiser)
    db.session.flush()
    return organiser


def change_password(organiser: Organiser, current: str, password: str) -> None:
    """A new password, given the current one: every other login of the account ends (a
    thief logged in elsewhere is logged out); this one goes on."""
    if not check_password_hash(organiser.password_hash, current):
        raise WrongPassword()
    organiser.password_hash = hash_password(password)
    db.session.execute(delete(Login).where(
        Login.organiser_id == organiser.id,
        Login.token_digest != token_digest(organiser.login_token or "")))
    db.session.flush()


def account_behind_link(token: str, purpose: str, now: datetime) -> Organiser:
    """The account a single-use link is for, while it works (the link is not used up)."""
    row = _working_token(token, purpose, now)
    if row is None:
        raise AccountLinkNotValid()
    return db.session.get(Organiser, row.organiser_id)


def _issue_account_token(organiser: Organiser, purpose: str, now: datetime,
                         lifetime: timedelta) -> str:
    db.session.execute(update(AccountToken).where(
        AccountToken.organiser_id == organiser.id, AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(organiser_id=organiser.id, purpose=purpose,
                                token_digest=token_digest(token), created_at=now,
                                expires_at=now + lifetime))
    db.session.flush()
    return token


def _working_token(token: str, purpose: str, now: datetime) -> AccountToken | None:
    if not looks_like_token(token):
        return None
    return db.session.scalar(select(AccountToken).where(
        AccountToken.token_digest == token_digest(token), AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None), AccountToken.expires_at > now))


def _use_account_token(token: str, purpose: str, now: datetime) -> Organiser:
    """Use the link up, once: of two requests with it at the same moment, one wins."""
    row = _working_token(token, purpose, now)
    if row is None:
        raise AccountLinkNotValid()
    used = db.session.execute(update(AccountToken).where(
        AccountToken.id == row.id, AccountToken.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:
        raise AccountLinkNotValid()
    return db.session.get(Organiser, row.organiser_id)


def authenticate(email: str, password: str) -> Organiser | None:
    """The organiser with these credentials, or None.

    An unknown address costs as much time as a wrong password, so response times do not
    tell which addresses have accounts.
    """
    organiser = find_organiser_by_email(email)
    if organiser is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(organiser.password_hash, password):
        return None
    return organiser


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    cache = current_app.extensions.setdefault("eventplanner_dummy_hash", {})
    if method not in cache:
        cache[method] = generate_password_hash("not-a-password", method=method)
    return cache[method]


def update_profile(organiser: Organiser, name: str, language: str, phone: str = "") -> None:
    organiser.name = " ".join(name.split())[:120]
    organiser.phone = " ".join(phone.split())[:40]
    organiser.language = language
    db.session.flush()


# --- logins -------------------------------------------------------------------------------
# Each login is a row whose token the browser's cookies carry (as Flask-Login's alternative
# id). Ending a login deletes its row: the session cookie and the "keep me logged in" cookie
# of that login, and every copy of them, then open nothing. A login lasts at most as long as
# the "keep me logged in" cookie (REMEMBER_COOKIE_DURATION).

def start_login(organiser: Organiser, user_agent: str = "") -> None:
    """A new login for ``organiser`` with a new token (so new cookies at every login); their
    expired logins are forgotten on the way. ``user_agent``: the browser's header, kept to
    tell the logins apart."""
    db.session.execute(delete(Login).where(Login.organiser_id == organiser.id,
                                           Login.started_at < _oldest_valid_start()))
    token = secrets.token_urlsafe(32)
    db.session.add(Login(organiser_id=organiser.id, token_digest=token_digest(token),
                         user_agent=user_agent[:300]))
    db.session.flush()
    organiser.login_token = token


def organiser_logged_in_with(token: str, workspace_id: int | None = None) -> Organiser | None:
    """The organiser whose login carries ``token``, or None if it ended or expired, working
    in workspace ``workspace_id`` if they are still a member of it (else in their first)."""
    if not looks_like_token(token):
        return None  # also a cookie from before logins were kept (it held the account id)
    first = aliased(Membership)
    chosen = (Membership.workspace_id == workspace_id if workspace_id is not None
              else Membership.id == select(func.min(first.id)).where(
                  first.organiser_id == Organiser.id).scalar_subquery())
    row = db.session.execute(
        select(Organiser, Membership).join(Login, Login.organiser_id == Organiser.id)
        .outerjoin(Membership, (Membership.organiser_id == Organiser.id) & chosen)
        .where(Login.token_digest == token_digest(token),
               Login.started_at >= _oldest_valid_start())).first()
    if row is None:
        return None
    organiser, membership = row
    organiser.login_token = token
    organiser.work_in(membership)
    return organiser


def end_login(organiser: Organiser) -> None:
    """Log out this browser: its login ends, wherever its cookies have been copied."""
    db.session.execute(delete(Login).where(
        Login.token_digest == token_digest(organiser.login_token or "")))


def end_all_logins(organiser: Organiser) -> None:
    """Log out everywhere (every browser and device), as after a lost phone."""
    db.session.execute(delete(Login).where(Login.organiser_id == organiser.id))


def logins_of(organiser: Organiser) -> list[Login]:
    """Where ``organiser`` is logged in: their logins that still work, newest first."""
    return list(db.session.scalars(select(Login).where(
        Login.organiser_id == organiser.id, Login.started_at >= _oldest_valid_start())
        .order_by(Login.started_at.desc(), Login.id.desc())))


def is_current_login(organiser: Organiser, login: Login) -> bool:
    """Whether ``login`` is the one ``organiser`` was loaded through (this browser's)."""
    return login.token_digest == token_digest(organiser.login_token or "")


def end_other_login(organiser: Organiser, login_id: int) -> None:
    """End one of the account's logins on another browser; ``NotFound`` for one that is
    not the account's (or has ended)."""
    ended = db.session.execute(delete(Login).where(
        Login.id == login_id, Login.organiser_id == organiser.id))
    if ended.rowcount != 1:
        raise NotFound()


def _oldest_valid_start():
    return utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"]

"""Organiser accounts: registration and password checks."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from eventplanner.auth.models import Organiser
from eventplanner.errors import InvalidState
from eventplanner.extensions import db


class EmailTaken(InvalidState):
    default_message = _l("An account with this email address already exists. Log in instead.")


def normalise_email(address: str) -> str:
    """The form in which an email address is stored and compared: trimmed, lower-case."""
    return address.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_organiser_by_email(address: str) -> Organiser | None:
    return db.session.scalar(select(Organiser).where(Organiser.email == normalise_email(address)))


def register_organiser(name: str, email: str, password: str, language: str = "en") -> Organiser:
    """Create an organiser account; raises ``EmailTaken`` if the address has one."""
    if find_organiser_by_email(email) is not None:
        raise EmailTaken()
    organiser = Organiser(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        language=language,
    )
    db.session.add(organiser)
    db.session.flush()
    return organiser


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


def update_profile(organiser: Organiser, name: str, language: str) -> None:
    organiser.name = " ".join(name.split())[:120]
    organiser.language = language
    db.session.flush()

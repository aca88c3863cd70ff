"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238: 6 digits, 30 s)
after the password, or one of ten single-use recovery codes.

Set-up gives the app a secret (a QR code of its ``otpauth://`` address, and the key to type)
and is in force once the app's first code is right. A code is taken one step either side of
now (a phone's clock may be off by half a minute), and once only: the last step used is
kept, so a code seen over someone's shoulder opens nothing more. Wrong codes count as failed
logins (``auth.guessing``), with the same waits.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash

from eventplanner.auth.models import Organiser, RecoveryCode
from eventplanner.auth.services import WrongPassword
from eventplanner.errors import InvalidInput, InvalidState
from eventplanner.extensions import db

ISSUER = "eventplanner"
RECOVERY_CODES = 10
#: Steps of 30 s either side of now that a code may come from.
STEPS_AROUND_NOW = 1


class WrongCode(InvalidInput):
    default_message = _l("That code is not right. Try the newest code of your app.")


class NotSetUp(InvalidState):
    default_message = _l("Two-factor sign-in is not set up for this account.")


def uses_two_factor(organiser: Organiser) -> bool:
    return organiser.totp_enabled_at is not None


def start_setup(organiser: Organiser) -> str:
    """A new secret for the app, not in force until ``turn_on``. Returns the secret."""
    if uses_two_factor(organiser):
        raise InvalidState(_l("Two-factor sign-in is on already."))
    organiser.totp_secret = pyotp.random_base32()
    db.session.flush()
    return organiser.totp_secret


def app_address(organiser: Organiser) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(organiser.totp_secret).provisioning_uri(name=organiser.email,
                                                              issuer_name=ISSUER)


def qr_code_svg(address: str) -> str:
    """The address as an SVG QR code, to show inline."""
    out = io.BytesIO()
    segno.make(address, error="m").save(out, kind="svg", scale=4, border=2, light="#fff",
                                        svgclass=None, lineclass=None, omitsize=True,
                                        xmldecl=False)
    return out.getvalue().decode()


def turn_on(organiser: Organiser, code: str, now: datetime) -> list[str]:
    """Put two-factor sign-in in force once the app's code is right; returns the recovery
    codes, shown once (only their digests are kept)."""
    if organiser.totp_secret is None or uses_two_factor(organiser):
        raise NotSetUp()
    if not _take_app_code(organiser, code, now):
        raise WrongCode()
    organiser.totp_enabled_at = now
    return new_recovery_codes(organiser)


def replace_recovery_codes(organiser: Organiser, password: str) -> list[str]:
    """Ten new recovery codes for an account with two-factor sign-in on, given its
    password; the earlier ones stop working."""
    if not uses_two_factor(organiser):
        raise NotSetUp()
    if not check_password_hash(organiser.password_hash, password):
        raise WrongPassword()
    return new_recovery_codes(organiser)


def new_recovery_codes(organiser: Organiser) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(organiser_id=organiser.id, code_digest=_digest(code))
                       for code in codes)
    db.session.flush()
    return codes


def turn_off(organiser: Organiser, password: str) -> None:
    """Two-factor sign-in off, given the account's password."""
    if not check_password_hash(organiser.password_hash, password):
        raise WrongPassword()
    organiser.totp_secret = organiser.totp_enabled_at = organiser.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))
    db.session.flush()


def second_factor_is_right(organiser: Organiser, code: str, now: datetime) -> bool:
    """Whether ``code`` (from the app, or a recovery code) completes the sign-in; a
    recovery code is used up."""
    if not uses_two_factor(organiser):
        raise NotSetUp()
    code = "".join(code.split()).lower()
    if code.isascii() and code.isdigit():
        return _take_app_code(organiser, code, now)
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.organiser_id == organiser.id, RecoveryCode.code_digest == _digest(code),
        RecoveryCode.used_at.is_(None)).values(used_at=now))
    return used.rowcount == 1


def recovery_codes_left(organiser: Organiser) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.organiser_id == organiser.id, RecoveryCode.used_at.is_(None))).all())


def _take_app_code(organiser: Organiser, code: str, now: datetime) -> bool:
    """Whether ``code`` is the app's for a step around ``now`` not used before; that step is
    then used, by one conditional UPDATE: of two sign-ins with one code at the same moment,
    one gets in."""
    totp = pyotp.TOTP(organiser.totp_secret)
    step = totp.timecode(now)
    for candidate in range(step - STEPS_AROUND_NOW, step + STEPS_AROUND_NOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate).encode(), code.encode()):
            taken = db.session.execute(update(Organiser).where(
                Organiser.id == organiser.id,
                (Organiser.totp_last_step.is_(None)) | (Organiser.totp_last_step < candidate))
                .values(totp_last_step=candidate).execution_options(synchronize_session=False))
            if taken.rowcount == 1:
                set_committed_value(organiser, "totp_last_step", candidate)
                return True
    return False


def _recovery_code() -> str:
    raw = secrets.token_hex(5)
    return f"{raw[:5]}-{raw[5:]}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode()).hexdigest()

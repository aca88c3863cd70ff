"""Two-factor sign-in: an authenticator app's code after the password, or a recovery code;
each code opens one login; wrong codes wait like wrong passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from eventplanner.auth.models import Organiser
from eventplanner.extensions import db, utcnow
from tests.conftest import PASSWORD, FormClient


def secret_of(app, organiser_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Organiser.totp_secret).where(
            Organiser.id == organiser_id))


def set_up(app, client, organiser) -> list[str]:
    """Log in, set up two-factor sign-in with the app's code; returns the recovery codes."""
    client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page
    secret = secret_of(app, organiser.id)
    assert secret in page, "the key to type, for a phone that cannot scan"
    response = client.submit("/auth/two-factor/setup",
                             {"code": pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=30))})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    client.submit("/auth/logout")
    return codes


def password_step(browser, organiser):
    response = browser.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].startswith(
        "/auth/two-factor")
    assert browser.get("/").status_code == 302, "not logged in on the password alone"


def test_a_login_takes_the_apps_code_after_the_password_and_each_code_works_once(
        app, client, make_organiser):
    organiser = make_organiser()
    set_up(app, client, organiser)
    secret = secret_of(app, organiser.id)
    password_step(client, organiser)
    wrong = client.submit("/auth/two-factor", {"code": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(secret).now()
    assert client.submit("/auth/two-factor", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    other = FormClient(app, app.response_class, use_cookies=True)
    password_step(other, organiser)
    assert other.submit("/auth/two-factor", {"code": code}).status_code == 422, \
        "a code seen over a shoulder opens nothing more"


def test_a_recovery_code_stands_in_for_the_app_once(app, client, make_organiser):
    organiser = make_organiser()
    codes = set_up(app, client, organiser)
    password_step(client, organiser)
    assert client.submit("/auth/two-factor", {"code": codes[3].upper()}).status_code == 302
    assert "9 recovery codes left" in client.get("/auth/profile").get_data(as_text=True)
    client.submit("/auth/logout")
    password_step(client, organiser)
    assert client.submit("/auth/two-factor", {"code": codes[3]}).status_code == 422


def test_setting_up_needs_the_apps_code_and_turning_off_needs_the_password(
        app, client, make_organiser):
    organiser = make_organiser()
    client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    client.get("/auth/two-factor/setup")
    response = client.submit("/auth/two-factor/setup", {"code": "123456"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Organiser, organiser.id).totp_enabled_at is None
    client.submit("/auth/logout")
    set_up(app, client, organiser)
    client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    client.submit("/auth/two-factor", {"code": pyotp.TOTP(secret_of(app, organiser.id)).now()})
    client.submit("/auth/two-factor/off", {"password": "not the password"})
    with app.app_context():
        assert db.session.get(Organiser, organiser.id).totp_enabled_at is not None
    client.submit("/auth/two-factor/off", {"password": PASSWORD})
    with app.app_context():
        assert db.session.get(Organiser, organiser.id).totp_enabled_at is None
    client.submit("/auth/logout")
    assert client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD}
                         ).status_code == 302


def test_the_code_step_without_a_password_first_sends_back_to_the_login(client):
    response = client.submit("/auth/two-factor", {"code": "123456"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"


@pytest.mark.settings(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_PER_PAIR="3 per minute")
def test_wrong_codes_wait_like_wrong_passwords(app, client, make_organiser):
    organiser = make_organiser()
    set_up(app, client, organiser)
    password_step(client, organiser)
    for _ in range(3):
        assert client.submit("/auth/two-factor", {"code": "000000"}).status_code == 422
    blocked = client.submit("/auth/two-factor",
                            {"code": pyotp.TOTP(secret_of(app, organiser.id)).now()})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_new_recovery_codes_take_the_password_and_end_the_old_ones(app, client, make_organiser):
    organiser = make_organiser()
    old = set_up(app, client, organiser)
    password_step(client, organiser)
    client.submit("/auth/two-factor", {"code": pyotp.TOTP(secret_of(app, organiser.id)).now()})
    refused = client.submit("/auth/two-factor/recovery-codes", {"password": "not it at all"})
    assert refused.status_code == 303
    response = client.submit("/auth/two-factor/recovery-codes", {"password": PASSWORD})
    new = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.submit("/auth/logout")
    password_step(client, organiser)
    assert client.submit("/auth/two-factor", {"code": old[0]}).status_code == 422
    assert client.submit("/auth/two-factor", {"code": new[0]}).status_code == 302


def test_authenticator_apps_read_the_set_up_address(app, make_organiser):
    """What the QR code holds, read back by pyotp (the parser authenticator apps follow)."""
    from eventplanner.auth.two_factor import app_address, start_setup

    organiser = make_organiser(email="kari@example.com")
    with app.app_context():
        organiser = db.session.get(Organiser, organiser.id)
        secret = start_setup(organiser)
        read = pyotp.parse_uri(app_address(organiser))
    assert (read.secret, read.name, read.issuer, read.digits, read.interval) == (
        secret, "kari@example.com", "eventplanner", 6, 30)


def test_a_password_reset_still_asks_for_the_apps_code(app, client, make_organiser):
    """The inbox alone does not open an account with two-factor sign-in: after a reset
    through the emailed link, the code step comes before any page."""
    from tests.test_auth_views import link_in_email

    organiser = make_organiser()
    set_up(app, client, organiser)
    client.submit("/auth/forgot-password", {"email": organiser.email})
    link = link_in_email(app, "reset_password", "/auth/reset-password/")
    response = client.submit(link, {"password": "a brand new fjord lantern",
                                    "confirm": "a brand new fjord lantern"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/two-factor")
    assert client.get("/").status_code == 302, "not logged in on the emailed link alone"
    response = client.submit("/auth/two-factor", {
        "code": pyotp.TOTP(secret_of(app, organiser.id)).now()})
    assert response.status_code in (302, 303)
    assert client.get("/").status_code == 200

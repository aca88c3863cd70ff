import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from eventplanner.auth.models import AccountToken, Login, Organiser
from eventplanner.extensions import db, utcnow
from eventplanner.mail.models import Message
from tests.conftest import PASSWORD


def count_organisers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Organiser))


def register(client, **overrides):
    form = {"name": "Ingrid Haugen", "email": "Ingrid@Example.com",
            "password": PASSWORD, "confirm": PASSWORD, **overrides}
    return client.submit("/auth/register", form)


def emails_of_kind(app, kind: str) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(select(Message).where(Message.kind == kind)
                                       .order_by(Message.id)))


def confirmation_link(app) -> str:
    *_, message = emails_of_kind(app, "confirm_email")
    return re.search(r"(/auth/confirm/\S+)", message.body_text).group(1)


def test_organiser_registers_confirms_their_address_and_lands_on_their_dashboard(app, client):
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/check-your-email"
    assert "Check your email" in client.get("/auth/check-your-email").get_data(as_text=True)
    assert client.get("/").status_code == 302, "not logged in before the address is confirmed"
    [email] = emails_of_kind(app, "confirm_email")
    assert email.recipient == "ingrid@example.com"
    link = confirmation_link(app)
    page = client.get(link)
    assert page.status_code == 200 and "ingrid@example.com" in page.get_data(as_text=True)
    response = client.submit(link)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Ingrid Haugen" in page and "Your events" in page
    with app.app_context():
        organiser = db.session.scalar(select(Organiser))
        assert organiser.email == "ingrid@example.com"
        assert organiser.email_verified_at is not None
        assert PASSWORD not in organiser.password_hash
        assert organiser.password_hash.startswith("pbkdf2:")
    client.submit("/auth/logout")
    assert client.submit(link).status_code == 404, "the link works once"


def test_a_taken_address_gets_the_same_page_and_its_owner_an_email(app, client, make_organiser):
    make_organiser(email="ingrid@example.com")
    response = register(client, email="INGRID@example.com")
    fresh = register(client, email="someone.new@example.com")
    assert (response.status_code, response.headers["Location"]) == (
        fresh.status_code, fresh.headers["Location"]) == (303, "/auth/check-your-email")
    assert count_organisers(app) == 2
    [notice] = emails_of_kind(app, "account_exists")
    assert notice.recipient == "ingrid@example.com"
    assert "has an account already" in notice.body_text and "/auth/login" in notice.body_text
    assert [m.recipient for m in emails_of_kind(app, "confirm_email")] == [
        "someone.new@example.com"]


def test_an_unconfirmed_account_cannot_log_in_and_gets_a_new_link(app, client):
    register(client)
    first = confirmation_link(app)
    response = client.submit("/auth/login", {"email": "ingrid@example.com",
                                             "password": PASSWORD})
    assert response.status_code == 422
    assert "Confirm your email address first" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    second = confirmation_link(app)
    assert second != first
    assert client.get(first).status_code == 404, "a new link ends the earlier one"
    assert client.submit(second).status_code == 303


@pytest.mark.parametrize("token", ["x" * 43, "not-a-token", "x" * 200])
def test_a_wrong_confirmation_link_is_a_404(client, token):
    assert client.get(f"/auth/confirm/{token}").status_code == 404
    assert client.submit(f"/auth/confirm/{token}").status_code == 404


def test_a_confirmation_link_expires_after_two_days(app, client):
    register(client)
    link = confirmation_link(app)
    with app.app_context():
        db.session.execute(update(AccountToken).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.submit(link).status_code == 404


def test_registration_errors_are_shown_next_to_the_fields(app, client):
    response = register(client, name="", email="not-an-email", password="short", confirm="other")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert "Use at least 10 characters." in page
    assert "The passwords differ." in page
    assert count_organisers(app) == 0


@pytest.mark.parametrize(("password", "reason"), [
    ("aaaaaaaaaa", "too common or too easy to guess"),
    ("password123", "too common or too easy to guess"),
    ("qwertyuiop", "too common or too easy to guess"),
    ("ingrid.haugen", "from your name, your email address"),
    ("Ingrid@Example.com", "from your name, your email address"),
    ("eventplanner2026", "or this site"),
])
def test_a_common_or_guessable_password_is_refused(app, client, password, reason):
    response = register(client, password=password, confirm=password)
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert count_organisers(app) == 0


def test_a_password_of_a_few_words_is_accepted_and_any_character_allowed(app, client):
    password = "fjord lantern sju øyne"
    response = register(client, password=password, confirm=password)
    assert response.status_code == 303
    assert count_organisers(app) == 1


def test_the_password_advice_comes_in_the_visitors_language(client):
    response = client.post("/auth/register", headers={"Accept-Language": "nb"}, data={
        "csrf_token": client.csrf_token("/auth/register"), "name": "Ingrid Haugen",
        "email": "ingrid@example.com", "password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"})
    assert response.status_code == 422
    assert "for vanlig eller for lett å gjette" in response.get_data(as_text=True)


def another_browser(app):
    from tests.conftest import FormClient

    return FormClient(app, app.response_class, use_cookies=True)


def link_in_email(app, kind: str, path: str) -> str:
    *_, message = emails_of_kind(app, kind)
    return re.search(rf"({path}\S+)", message.body_text).group(1)


def test_a_forgotten_password_is_replaced_through_a_link_that_works_once(
        app, client, make_organiser):
    organiser = make_organiser(email="kari@example.com")
    elsewhere = another_browser(app)
    log_in(elsewhere, organiser)
    for address in ("KARI@example.com", "nobody@example.com"):  # the same answer for both
        response = client.submit("/auth/forgot-password", {"email": address})
        assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    [email] = emails_of_kind(app, "reset_password")
    assert email.recipient == organiser.email
    link = link_in_email(app, "reset_password", "/auth/reset-password/")
    new = "fjord lantern sju øyne"
    weak = client.submit(link, {"password": "kari.example", "confirm": "kari.example"})
    assert weak.status_code == 422
    response = client.submit(link, {"password": new, "confirm": new})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302, "the other browser is logged out"
    assert client.get(link).status_code == 404, "the link works once"
    client.submit("/auth/logout")
    assert client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD}
                         ).status_code == 422
    assert client.submit("/auth/login", {"email": organiser.email, "password": new}
                         ).status_code == 302


def test_a_password_reset_link_lasts_an_hour(app, client, make_organiser):
    make_organiser(email="kari@example.com")
    client.submit("/auth/forgot-password", {"email": "kari@example.com"})
    link = link_in_email(app, "reset_password", "/auth/reset-password/")
    with app.app_context():
        db.session.execute(update(AccountToken).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404


@pytest.mark.settings(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_RESET="2 per hour")
def test_password_reset_emails_are_limited(client, make_organiser):
    make_organiser(email="kari@example.com")
    for _ in range(2):
        assert client.submit("/auth/forgot-password", {"email": "kari@example.com"}
                             ).status_code == 303
    assert client.submit("/auth/forgot-password", {"email": "kari@example.com"}
                         ).status_code == 429


def test_a_password_is_changed_with_the_current_one_and_other_logins_end(
        app, client, make_organiser):
    organiser = make_organiser(email="kari@example.com")
    elsewhere = another_browser(app)
    log_in(elsewhere, organiser)
    log_in(client, organiser)
    new = "fjord lantern sju øyne"
    wrong = client.submit("/auth/password", {"current": "not it at all",
                                             "password": new, "confirm": new})
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.get_data(as_text=True)
    assert elsewhere.get("/").status_code == 200, "nothing changed"
    response = client.submit("/auth/password", {"current": PASSWORD, "password": new,
                                                "confirm": new})
    assert response.status_code == 303
    assert client.get("/").status_code == 200, "this browser stays logged in"
    assert elsewhere.get("/").status_code == 302, "the other one is logged out"


def test_organiser_logs_in_and_out(client, make_organiser):
    organiser = make_organiser()
    response = client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    response = client.submit("/auth/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_login_accepts_the_email_in_any_case(client, make_organiser):
    make_organiser(email="kari@example.com")
    response = client.submit("/auth/login", {"email": " KARI@example.com ", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, make_organiser):
    organiser = make_organiser()
    wrong_password = client.submit("/auth/login", {"email": organiser.email, "password": "nope"})
    unknown = client.submit("/auth/login", {"email": "nobody@example.com", "password": "nope"})
    assert wrong_password.status_code == unknown.status_code == 422
    for response in (wrong_password, unknown):
        assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(client, make_organiser):
    organiser = make_organiser()
    response = client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_returns_to_the_page_that_asked_for_it(client, make_organiser):
    organiser = make_organiser()
    assert client.get("/events/new").headers["Location"].startswith("/auth/login?next=")
    response = client.submit("/auth/login?next=/events/new",
                             {"email": organiser.email, "password": PASSWORD})
    assert response.headers["Location"] == "/events/new"


def test_login_never_redirects_to_another_site(client, make_organiser):
    organiser = make_organiser()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.submit("/auth/logout")
        response = client.submit(f"/auth/login?next={target}",
                                 {"email": organiser.email, "password": PASSWORD})
        assert response.headers["Location"] == "/"


def test_logout_needs_a_post_with_a_csrf_token(client, make_organiser):
    organiser = make_organiser()
    client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD})
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_a_login_without_csrf_token_is_refused(client, make_organiser):
    organiser = make_organiser()
    response = client.post("/auth/login", data={"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


# --- logins end on the server ------------------------------------------------------------

def log_in(client, organiser, address: str = "10.0.0.1", **form):
    response = client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD,
                                             **form}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302
    return response


def browser_with_cookie(app, name: str, value: str):
    """Another browser, elsewhere, holding a copy of one cookie."""
    from tests.conftest import FormClient

    other = FormClient(app, app.response_class, use_cookies=True)
    other.set_cookie(name, value)
    return other


def opens_contacts(browser, address: str = "192.0.2.77") -> bool:
    response = browser.get("/contacts/", environ_base={"REMOTE_ADDR": address})
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/auth/login")
        return False
    assert response.status_code == 200
    return True


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_copied_cookie_opens_nothing_after_logout(app, client, make_organiser, cookie):
    organiser = make_organiser()
    log_in(client, organiser, remember="y")
    copied = client.get_cookie(cookie).value
    thief = browser_with_cookie(app, cookie, copied)
    assert opens_contacts(thief), "the copy works while the login lasts"

    client.submit("/auth/logout")
    assert not opens_contacts(client)
    assert not opens_contacts(browser_with_cookie(app, cookie, copied))
    assert not opens_contacts(thief)


def test_every_login_gets_a_new_remember_cookie(client, make_organiser):
    organiser = make_organiser()
    tokens = []
    for _ in range(2):
        log_in(client, organiser, remember="y")
        tokens.append(client.get_cookie("remember_token").value)
        client.delete_cookie("session")
        client.delete_cookie("remember_token")
    assert tokens[0] != tokens[1]


def test_logging_out_ends_this_browser_only_and_log_out_everywhere_ends_all(
        app, client, make_organiser):
    from tests.conftest import FormClient

    organiser = make_organiser()
    laptop, phone = client, FormClient(app, app.response_class, use_cookies=True)
    log_in(laptop, organiser)
    log_in(phone, organiser, "10.0.0.2", remember="y")
    profile = laptop.get("/auth/profile").get_data(as_text=True)
    assert profile.count("Log out there") == 1 and "This browser" in profile

    laptop.submit("/auth/logout")
    assert not opens_contacts(laptop)
    assert opens_contacts(phone)

    log_in(laptop, organiser)
    phone_copy = browser_with_cookie(app, "remember_token",
                                     phone.get_cookie("remember_token").value)
    response = laptop.submit("/auth/logout-everywhere")
    assert response.headers["Location"] == "/auth/login"
    assert "You are logged out on every device." in laptop.get("/auth/login").get_data(
        as_text=True)
    for browser in (laptop, phone, phone_copy):
        assert not opens_contacts(browser)


@pytest.mark.settings(REMEMBER_COOKIE_DURATION=timedelta(days=30))
def test_a_login_ends_when_its_remember_cookie_would_have_expired(
        app, client, make_organiser):
    from eventplanner.auth.models import Login

    organiser = make_organiser()
    log_in(client, organiser, remember="y")
    assert opens_contacts(client)
    with app.app_context():
        db.session.execute(update(Login).values(
            started_at=utcnow() - timedelta(days=30, minutes=1)))
        db.session.commit()
    assert not opens_contacts(client)
    log_in(client, organiser)
    with app.app_context():  # the expired login is forgotten at the next one
        assert db.session.scalar(select(func.count()).select_from(Login)) == 1


def test_a_cookie_from_before_logins_were_kept_opens_nothing(app, client, make_organiser):
    """Those carried the account's id; forging one needs the key, but a copy must not work."""
    organiser = make_organiser()
    with client.session_transaction() as session:
        session["_user_id"] = str(organiser.id)
        session["_fresh"] = True
    assert not opens_contacts(client)


def test_the_profile_lists_each_login_by_its_browser_and_ends_one_elsewhere(
        app, client, make_organiser):
    organiser = make_organiser()
    phone = another_browser(app)
    phone.submit("/auth/login", {"email": organiser.email, "password": PASSWORD},
                 headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
                          "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 "
                          "Safari/604.1"})
    client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD},
                  headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) "
                           "Gecko/20100101 Firefox/133.0"})
    profile = client.get("/auth/profile").get_data(as_text=True)
    assert "Firefox on Linux" in profile and "Safari on iOS" in profile
    with app.app_context():
        phone_login = db.session.scalar(select(Login.id).where(
            Login.user_agent.contains("iPhone")))
    assert client.submit(f"/auth/logins/{phone_login}/end").status_code == 303
    assert phone.get("/").status_code == 302, "the phone is logged out"
    assert client.get("/").status_code == 200, "this browser is not"


def test_one_cannot_end_another_accounts_login(app, client, make_organiser):
    owner, stranger = make_organiser(), make_organiser()
    log_in(client, owner)
    elsewhere = another_browser(app)
    log_in(elsewhere, stranger)
    with app.app_context():
        strangers = db.session.scalar(select(Login.id).where(Login.organiser_id == stranger.id))
    assert client.submit(f"/auth/logins/{strangers}/end").status_code == 404
    assert elsewhere.get("/").status_code == 200

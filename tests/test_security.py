"""Security headers on every response, and rate limits on logins, registration and links."""

from __future__ import annotations

import time

import pytest

from tests.conftest import PASSWORD

LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_PER_PAIR": "3 per 15 minutes",
          "RATELIMIT_LOGIN_PER_ACCOUNT": "6 per 15 minutes",
          "RATELIMIT_LOGIN_PER_ADDRESS": "5 per 15 minutes", "RATELIMIT_REGISTER": "2 per hour",
          "RATELIMIT_BAD_TOKENS": "3 per 10 minutes"}


@pytest.mark.parametrize("url", ["/auth/login", "/", "/r/not-a-link", "/static/app.css",
                                 "/nowhere"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    headers = response.headers
    response.close()
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS


def test_https_responses_ask_for_https_from_now_on(client):
    headers = client.get("/auth/login", base_url="https://eventplanner.test").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_guest_links_keep_their_stricter_referrer_policy(client):
    assert client.get("/r/not-a-link").headers["Referrer-Policy"] == "no-referrer"


def wrong_login(client, email: str, address: str = "10.0.0.1"):
    return client.submit("/auth/login", {"email": email, "password": "wrong"},
                         environ_base={"REMOTE_ADDR": address})


def right_login(client, email: str, address: str):
    return client.submit("/auth/login", {"email": email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": address})


@pytest.mark.settings(RATELIMIT_ENABLED=True)
def test_a_strangers_wrong_passwords_do_not_lock_the_organiser_out(client, make_organiser):
    """The issue's case, with the shipped limits: 10 wrong passwords from anywhere, then
    the right one from the organiser's own address."""
    organiser = make_organiser()
    for attempt in range(10):
        wrong_login(client, organiser.email, f"203.0.113.{attempt % 2}")
    response = right_login(client, organiser.email, "10.0.0.42")
    assert response.status_code == 302, "the organiser is let in"


@pytest.mark.settings(**LIMITS)
def test_guessing_from_one_address_is_held_up_and_the_right_password_gains_nothing_there(
        client, make_organiser):
    organiser = make_organiser()
    for _ in range(3):
        assert wrong_login(client, organiser.email, "203.0.113.9").status_code == 422
    blocked = right_login(client, organiser.email, "203.0.113.9")
    assert blocked.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in blocked.get_data(
        as_text=True)
    assert 14 * 60 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # The organiser, from their own address, is not held up by it.
    assert right_login(client, organiser.email, "10.0.0.42").status_code == 302


@pytest.mark.settings(**{**LIMITS, "RATELIMIT_LOGIN_PER_PAIR": "2 per 1 second; 3 per 1 day"})
def test_the_waits_grow_as_failures_pile_up(client, make_organiser):
    organiser = make_organiser()
    for _ in range(2):
        assert wrong_login(client, organiser.email).status_code == 422
    first_wait = wrong_login(client, organiser.email)
    assert first_wait.status_code == 429
    assert int(first_wait.headers["Retry-After"]) == 1
    time.sleep(1.05)
    assert wrong_login(client, organiser.email).status_code == 422
    second_wait = wrong_login(client, organiser.email)
    assert second_wait.status_code == 429
    assert int(second_wait.headers["Retry-After"]) > 86000
    assert "Try again in 24 hours." in second_wait.get_data(as_text=True)


@pytest.mark.settings(**LIMITS)
def test_the_right_password_starts_the_count_afresh_for_that_address(client, make_organiser):
    organiser = make_organiser()
    for _ in range(2):
        wrong_login(client, organiser.email)
    assert right_login(client, organiser.email, "10.0.0.1").status_code == 302
    client.submit("/auth/logout")
    for _ in range(3):
        assert wrong_login(client, organiser.email).status_code == 422


@pytest.mark.settings(**LIMITS)
def test_many_addresses_guessing_one_account_hold_up_new_addresses_but_not_the_organisers(
        client, make_organiser):
    organiser = make_organiser()
    assert right_login(client, organiser.email, "10.0.0.42").status_code == 302
    client.submit("/auth/logout")
    for number in range(6):
        assert wrong_login(client, organiser.email, f"198.51.100.{number}").status_code == 422
    # Over the account's ceiling: an address it never logged in from waits, even with the
    # right password (the ceiling is generous: 100 per hour by default) ...
    assert wrong_login(client, organiser.email, "198.51.100.99").status_code == 429
    assert right_login(client, organiser.email, "192.0.2.1").status_code == 429
    # ... while the address the organiser logs in from is let in.
    assert right_login(client, organiser.email, "10.0.0.42").status_code == 302


@pytest.mark.settings(**LIMITS)
def test_one_address_trying_many_accounts_is_stopped(client, make_organiser):
    for number in range(5):
        assert wrong_login(client, f"someone{number}@example.com").status_code == 422
    assert wrong_login(client, "someone99@example.com").status_code == 429
    assert wrong_login(client, "someone99@example.com", "10.9.9.9").status_code == 422


@pytest.mark.settings(**LIMITS)
def test_successful_logins_do_not_count(client, make_organiser):
    organiser = make_organiser()
    for _ in range(6):
        response = client.submit("/auth/login", {"email": organiser.email,
                                                 "password": PASSWORD})
        assert response.status_code == 302
        client.submit("/auth/logout")


@pytest.mark.settings(**LIMITS)
def test_registration_is_limited_per_address(client):
    def register(number: int):
        return client.submit("/auth/register", {
            "name": "N", "email": f"new{number}@example.com", "password": "long-password-1",
            "confirm": "long-password-1"})

    assert register(1).status_code == 303
    assert register(2).status_code == 303
    assert register(3).status_code == 429


@pytest.mark.settings(**LIMITS)
@pytest.mark.parametrize("prefix, suffix", [("/r/", ""), ("/door/", "/"),
                                            ("/calendar/feed/", ".ics")])
def test_guessing_links_is_stopped_and_told_in_the_visitors_language(client, prefix, suffix):
    for number in range(3):
        assert client.get(f"{prefix}{'x' * 42}{number}{suffix}").status_code == 404
    blocked = client.get(f"{prefix}{'y' * 43}{suffix}",
                         headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert blocked.status_code == 429
    assert "Zu viele Anfragen" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0


@pytest.mark.settings(**LIMITS)
def test_a_guest_using_their_link_is_not_held_up_by_the_bad_link_limit(
        client, make_event, make_activity, make_contact, make_invitation):
    event = make_event(status="published")
    make_activity(event)
    invitation = make_invitation(event, make_contact(event.owner))
    for _ in range(6):
        assert client.get(f"/r/{invitation.token}").status_code == 200


@pytest.mark.settings(**LIMITS, REDIS_URL="redis://127.0.0.1:6379/15")
def test_with_redis_the_counts_live_in_redis_where_every_worker_reads_them(
        app, client, make_organiser):
    import redis

    from tests.conftest import FormClient

    organiser = make_organiser()
    store = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    wrong_login(client, organiser.email)
    wrong_login(client, organiser.email)
    assert store.keys("*LOGIN*"), "the counts live in Redis"
    another_browser = FormClient(app, app.response_class, use_cookies=True)
    wrong_login(another_browser, organiser.email)
    assert wrong_login(another_browser, organiser.email).status_code == 429
    assert right_login(another_browser, organiser.email, "10.0.0.42").status_code == 302
    assert store.keys("*trusted-login-address*"), "so do the addresses an account trusts"
    store.flushdb()

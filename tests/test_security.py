"""Security headers on every response, and rate limits on logins, registration and links."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per 15 minutes",
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


@pytest.mark.settings(**LIMITS)
def test_password_guessing_on_one_account_is_stopped_whatever_the_address(
        client, make_organiser):
    organiser = make_organiser()
    for attempt in range(3):
        assert wrong_login(client, organiser.email, f"10.0.0.{attempt}").status_code == 422
    blocked = wrong_login(client, organiser.email, "10.0.0.99")
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    # The right password is refused too while the account is locked: guessing gains nothing.
    assert client.submit("/auth/login", {"email": organiser.email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.0.0.42"}).status_code == 429


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

    assert register(1).status_code == 302
    client.submit("/auth/logout")
    assert register(2).status_code == 302
    client.submit("/auth/logout")
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
    store.flushdb()

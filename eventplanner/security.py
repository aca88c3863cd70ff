"""What every response carries for the browser's protection, and the rate limits.

The pages load scripts and styles from this site only (no inline script anywhere), may not
be framed, and are not sniffed into another type. Rate limits slow down password guessing,
mass registration and link guessing; they are kept in Redis when ``REDIS_URL`` is set, so
all workers count together.

The limits use the ``limits`` library (Flask-Limiter's engine) directly, at the few places
that need them: Flask-Limiter itself evaluated its rules on every request, limited or not,
and cost more than a whole guest page (about 0.2 ms of 0.4 ms).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The door page may use the camera to read QR codes; nothing else may.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class RateLimits:
    """Counters per key in memory or Redis. A setting names its limits, one or several
    ("5 per minute; 10 per 15 minutes"): several make the waits grow as the count does."""

    def init_app(self, app: Flask) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config["REDIS_URL"] or "memory://"
        app.extensions["rate_limits"] = FixedWindowRateLimiter(storage_from_string(uri))

    @staticmethod
    def _strategy() -> FixedWindowRateLimiter:
        return current_app.extensions["rate_limits"]

    @staticmethod
    def _limits(setting: str) -> tuple[RateLimitItem, ...]:
        return _parsed(current_app.config[setting])

    def seconds_to_wait(self, setting: str, *key: str) -> int:
        """0 while every limit of ``setting`` has room for ``key``; else the seconds until
        all of them have (the longest window that is full decides)."""
        if not current_app.config["RATELIMIT_ENABLED"]:
            return 0
        strategy = self._strategy()
        resets = [strategy.get_window_stats(limit, setting, *key).reset_time
                  for limit in self._limits(setting) if not strategy.test(limit, setting, *key)]
        return max(1, math.ceil(max(resets) - time.time())) if resets else 0

    def check(self, setting: str, *key: str) -> None:
        """Refuse (429) while the count for ``key`` is at a limit; count nothing."""
        wait = self.seconds_to_wait(setting, *key)
        if wait:
            raise TooManyRequests(retry_after=wait)

    def count(self, setting: str, *key: str) -> None:
        """Count one for ``key`` (a failed login, a link that does not exist)."""
        if current_app.config["RATELIMIT_ENABLED"]:
            for limit in self._limits(setting):
                self._strategy().hit(limit, setting, *key)

    def use(self, setting: str, *key: str) -> None:
        """Count one and refuse (429) once over a limit. Each limit takes one atomic hit,
        so requests that arrive together cannot all slip under it."""
        if not current_app.config["RATELIMIT_ENABLED"]:
            return
        strategy = self._strategy()
        over = [not strategy.hit(limit, setting, *key) for limit in self._limits(setting)]
        if any(over):
            raise TooManyRequests(retry_after=max(self.seconds_to_wait(setting, *key), 1))

    def forget(self, setting: str, *key: str) -> None:
        """Start counting ``key`` afresh (a password that was right after all)."""
        if current_app.config["RATELIMIT_ENABLED"]:
            for limit in self._limits(setting):
                self._strategy().clear(limit, setting, *key)

    def remember(self, fact: str, *key: str, days: int) -> None:
        """Keep that ``fact`` holds for ``key`` (in the same store) for ``days`` from now."""
        if current_app.config["RATELIMIT_ENABLED"]:
            storage, name = self._strategy().storage, _fact_key(fact, key)
            storage.clear(name)
            storage.incr(name, days * 86400)

    def remembers(self, fact: str, *key: str) -> bool:
        return current_app.config["RATELIMIT_ENABLED"] and \
            self._strategy().storage.get(_fact_key(fact, key)) > 0

    def reset(self) -> None:
        self._strategy().storage.reset()


rate_limits = RateLimits()


@lru_cache(maxsize=32)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _fact_key(fact: str, key: tuple[str, ...]) -> str:
    return "/".join(("eventplanner", fact, *key))


def client_address() -> str:
    return request.remote_addr or "unknown"


def check_link(response=None) -> None:
    """Before a page opened by a link: refuse an address that tried too many links that do
    not exist. (Links are 256-bit secrets: guessing is the threat, and a guest reloading
    their own page is not; a flood from one address is the reverse proxy's to cut.)"""
    rate_limits.check("RATELIMIT_BAD_TOKENS", client_address())


#: Personal links must not leak through the Referer header, search engines or caches.
PRIVATE_PAGE_HEADERS = [("Referrer-Policy", "no-referrer"),
                        ("X-Robots-Tag", "noindex, nofollow"), ("Cache-Control", "no-store")]


def finish_private_page(response):
    """After a page opened by a link: private headers, and a link that does not exist
    counts against the address. A view that allows the guest's own browser to keep what
    it sends (``Cache-Control: private, ...``) keeps that."""
    # The header read as text: parsing it into ``response.cache_control`` cost a fifth of
    # a cached guest page's hooks.
    keeps_private = "private" in response.headers.get("Cache-Control", "")
    for name, value in PRIVATE_PAGE_HEADERS:
        if name != "Cache-Control" or not keeps_private:
            response.headers[name] = value
    if response.status_code == 404:
        rate_limits.count("RATELIMIT_BAD_TOKENS", client_address())
    return response


def private_link_pages(blueprint) -> None:
    """Every page of ``blueprint`` is opened by a personal link (a guest's, a helper's)."""
    blueprint.before_request(check_link)
    blueprint.after_request(finish_private_page)


def add_security_headers(response):
    headers = response.headers
    # One pass over what is there (werkzeug's "in" raises and catches per missing name).
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for name, value in SECURITY_HEADERS.items()
                    if name.lower() not in present])  # token pages keep their stricter ones
    if request.is_secure and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_security(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    rate_limits.init_app(app)
    app.after_request(add_security_headers)

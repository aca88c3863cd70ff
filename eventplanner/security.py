"""What every response carries for the browser's protection, and the rate limits.

The pages load scripts and styles from this site only (no inline script anywhere), may not
be framed, and are not sniffed into another type. Rate limits slow down password guessing,
mass registration and link guessing; they are kept in Redis when ``REDIS_URL`` is set, so
all workers count together.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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

limiter = Limiter(get_remote_address, strategy="moving-window")


def configured(name: str):
    """A limit read from the settings at request time, so tests and deployments set it."""
    return lambda: current_app.config[name]


def limit_token_pages(blueprint) -> None:
    """Pages opened by a link: plenty of requests, few links that do not exist."""
    limiter.limit(configured("RATELIMIT_TOKEN_PAGES"))(blueprint)
    limiter.limit(configured("RATELIMIT_BAD_TOKENS"), deduct_when=link_not_found)(blueprint)


def login_account_key() -> str:
    """Login attempts are also counted per account, whatever address they come from."""
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


def failed_login(response) -> bool:
    """Only failed attempts count: a successful login redirects."""
    return response.status_code != 302


def link_not_found(response) -> bool:
    return response.status_code == 404


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # token pages keep their stricter ones
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_security(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    app.after_request(add_security_headers)

"""Configuration classes, read from the environment.

Pick one with ``create_app("development" | "testing" | "production")`` or with the
``EVENTPLANNER_CONFIG`` environment variable. Every setting a deployment changes comes from
an environment variable; the defaults are safe for a developer's machine.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

#: Languages the product speaks: guests and organisers choose among these.
LANGUAGES = {
    "en": "English",
    "nb": "Norsk bokmål",
    "da": "Dansk",
    "de": "Deutsch",
}


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """A random key kept in ``instance/secret_key``, so sessions survive a restart.

    It is made on first use and never committed (``instance/`` is ignored by git).
    """
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eventplanner.db'}"
    )
    #: Absolute address of the site, used for links in emails and calendar files.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    #: How long "keep me logged in" keeps an organiser logged in, and the longest any login
    #: lasts on the server (logging out ends it sooner).
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("LOGIN_DAYS", "30")))

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: werkzeug's strong default; tests choose a cheaper one to keep the suite fast.
    PASSWORD_HASH_METHOD = "scrypt"  # nosec B105

    #: Signs the guests' personal links; by default derived from SECRET_KEY. Changing it
    #: (or SECRET_KEY without it) changes every link.
    TOKEN_KEY = os.environ.get("TOKEN_KEY") or None

    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_flag("SMTP_STARTTLS", False)
    SMTP_SSL = _env_flag("SMTP_SSL", False)
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "eventplanner <noreply@localhost>")
    #: Guests' calendar programs answer to ``rsvp+<code>@REPLY_DOMAIN`` (one address per
    #: invitation, the invitation's ORGANIZER); empty: calendar answers go to the host and
    #: are not read by the app. The mail server hands that domain to ``flask mail receive``
    #: (SMTP/LMTP) or delivers it to the mailbox ``flask mail fetch`` reads (IMAP_*).
    REPLY_DOMAIN = os.environ.get("REPLY_DOMAIN", "").strip().lower()
    #: The local part before ``+<code>`` in reply addresses.
    REPLY_PREFIX = os.environ.get("REPLY_PREFIX", "rsvp")
    #: The largest incoming email kept (bytes); a larger one is noted, not read.
    INBOUND_MAX_BYTES = int(os.environ.get("INBOUND_MAX_BYTES", str(2 * 1024 * 1024)))
    #: An incoming email with more MIME parts than this is noted, not read.
    INBOUND_MAX_PARTS = int(os.environ.get("INBOUND_MAX_PARTS", "20"))
    IMAP_HOST = os.environ.get("IMAP_HOST", "")
    IMAP_PORT = int(os.environ.get("IMAP_PORT", "993"))
    #: "ssl" (port 993), "starttls" (port 143) or "none" (loopback only).
    IMAP_TLS = os.environ.get("IMAP_TLS", "ssl")
    IMAP_USERNAME = os.environ.get("IMAP_USERNAME", "")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
    #: Read mail is moved here (created when missing); empty: it is flagged as seen and
    #: left where it is, and only unseen mail is read.
    IMAP_PROCESSED_FOLDER = os.environ.get("IMAP_PROCESSED_FOLDER", "Processed")
    #: A CA certificate file (PEM) the IMAP server's certificate must chain to; empty: the
    #: system's CAs.
    IMAP_CA_FILE = os.environ.get("IMAP_CA_FILE", "")
    #: Seconds to wait for the IMAP server on each network operation.
    IMAP_TIMEOUT = float(os.environ.get("IMAP_TIMEOUT", "30"))
    #: A message that failed this many times is marked failed; the organiser can retry it.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    #: Seconds a worker's claim on a message holds unless renewed (before each message):
    #: then another worker takes it over. Longer than one message can take (a few SMTP_TIMEOUTs).
    MAIL_CLAIM_LEASE = float(os.environ.get("MAIL_CLAIM_LEASE", "600"))

    #: Seconds one webhook attempt may take in all (lookup, connecting, TLS, sending, every
    #: byte of the answer, redirects).
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    #: Seconds a webhook worker's claim on a delivery holds unless renewed: at least
    #: WEBHOOK_TIMEOUT + 30 (``create_app`` refuses less).
    WEBHOOK_CLAIM_LEASE = float(os.environ.get("WEBHOOK_CLAIM_LEASE", "300"))
    #: Webhooks may be sent to loopback, private, link-local and other internal addresses
    #: (SSRF). Off by default and in production; on for development and the tests.
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = _env_flag("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
    #: Internal networks webhooks may go to all the same, comma-separated
    #: ("10.20.0.0/16, fd12::/64"): a CRM on the company's own network.
    WEBHOOKS_ALLOWED_NETWORKS = os.environ.get("WEBHOOKS_ALLOWED_NETWORKS", "")

    #: Rendered guest pages kept per worker process (0 turns the cache off).
    GUEST_PAGE_CACHE_SIZE = int(os.environ.get("GUEST_PAGE_CACHE_SIZE", "1000"))

    #: Rate limits live in Redis when REDIS_URL is set (shared by every worker), else in
    #: each process's memory.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_ENABLED = _env_flag("RATELIMIT_ENABLED", True)
    #: Failed logins (eventplanner.auth.guessing): per account and address, waits that grow;
    #: per address over all accounts; per account over all addresses, only for addresses
    #: the account has not logged in from in LOGIN_TRUSTED_DAYS.
    RATELIMIT_LOGIN_PER_PAIR = os.environ.get("RATELIMIT_LOGIN_PER_PAIR",
                                              "5 per minute; 10 per 15 minutes; 20 per 6 hours")
    RATELIMIT_LOGIN_PER_ADDRESS = os.environ.get("RATELIMIT_LOGIN_PER_ADDRESS",
                                                 "30 per 15 minutes; 100 per day")
    RATELIMIT_LOGIN_PER_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_PER_ACCOUNT",
                                                 "100 per hour; 300 per day")
    LOGIN_TRUSTED_DAYS = int(os.environ.get("LOGIN_TRUSTED_DAYS", "30"))
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per hour")
    #: Password reset emails asked for, per address and per account asked about.
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per hour")
    #: Links that do not exist (guests', helpers', calendar feeds), per address.
    RATELIMIT_BAD_TOKENS = os.environ.get("RATELIMIT_BAD_TOKENS", "30 per 10 minutes")
    #: Calls of the API per token (shared by every worker when REDIS_URL is set).
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "600 per minute; 20000 per hour")
    #: How many proxies in front of the app set X-Forwarded-For/-Proto (0: none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    #: ``flask privacy purge`` erases the guests of events that ended this many days ago
    #: (unset: only with --days).
    RETENTION_DAYS = int(os.environ["RETENTION_DAYS"]) if os.environ.get("RETENTION_DAYS") \
        else None

    #: One JSON line per request and per email on stderr (set LOG_JSON=0 for none).
    LOG_JSON = _env_flag("LOG_JSON", True)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    #: Uploads (CSV imports) larger than this are refused.
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    DEFAULT_EVENT_TIMEZONE = "Europe/Oslo"
    #: ``flask demo`` makes an account with a published password: never in production.
    DEMO_DATA_ALLOWED = True

    @staticmethod
    def finalise(settings: dict) -> None:
        """Complete or refuse the loaded settings; raise ``RuntimeError`` when unsafe."""


class DevelopmentConfig(Config):
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = _env_flag("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", True)

    @staticmethod
    def finalise(settings: dict) -> None:
        if not settings.get("SECRET_KEY"):
            settings["SECRET_KEY"] = _development_secret_key()


class TestConfig(Config):
    TESTING = True
    #: Off by default so hundreds of logins in the suite pass; the rate-limit tests turn it on.
    RATELIMIT_ENABLED = False
    SECRET_KEY = "test-only-key-" + secrets.token_hex(16)
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BASE_URL = "http://eventplanner.test"
    REPLY_DOMAIN = "reply.example.com"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # nosec B105
    #: The tests' receivers listen on loopback; the SSRF tests turn this off.
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True


class ProductionConfig(Config):
    DEMO_DATA_ALLOWED = False
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @staticmethod
    def finalise(settings: dict) -> None:
        key = settings.get("SECRET_KEY") or ""
        if len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}

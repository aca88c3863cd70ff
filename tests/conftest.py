"""Fixtures: a migrated database per backend, an app per test, clients, and factories.

Every test that uses ``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set,
once more on PostgreSQL. The schema comes from the Alembic migrations, never from
``create_all``, so the tests also prove the migrations. In CI (``CI`` set) a missing
``TEST_DATABASE_URL`` fails the run instead of skipping PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from config import TestConfig
from eventplanner import create_app
from eventplanner.auth.models import Organiser
from eventplanner.auth.services import register_organiser
from eventplanner.contacts.models import Contact
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import Activity, ActivityKind, Event, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import Invitation

PASSWORD = "correct horse battery staple"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass(frozen=True)
class Backend:
    name: str
    url: str


def app_for(url: str, **settings) -> Flask:
    config = type("PerTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    return create_app(config)


def migrate_to_head(url: str) -> None:
    app = app_for(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    """A database migrated to head, once per test session and backend."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.db"
        migrate_to_head(f"sqlite:///{template}")
        yield Backend("sqlite", str(template))
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL too: set TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (see the README)")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_to_head(url)
    yield Backend("postgresql", url)


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """The translations as the app reads them: compiled from the .po files when missing or
    older (``make install`` does the same; this keeps a bare ``pytest`` honest)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for source in (ROOT / "eventplanner" / "translations").glob("*/LC_MESSAGES/messages.po"):
        target = source.with_suffix(".mo")
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            with open(source, "rb") as po, open(target, "wb") as mo:
                write_mo(mo, read_po(po, locale=source.parent.parent.name))


@pytest.fixture
def app(backend: Backend, tmp_path, request) -> Iterator[Flask]:
    """A fresh app on an empty, migrated database; ``@pytest.mark.settings(NAME=value)``
    changes its configuration for one test."""
    marker = request.node.get_closest_marker("settings")
    settings = marker.kwargs if marker else {}
    if backend.name == "sqlite":
        copy = tmp_path / "test.db"
        shutil.copyfile(backend.url, copy)
        url = f"sqlite:///{copy}"
    else:
        url = backend.url
    app = app_for(url, **settings)
    if settings.get("RATELIMIT_ENABLED"):
        from eventplanner.security import rate_limits

        with app.app_context():
            rate_limits.reset()  # counts from earlier tests (in Redis) stay out
    yield app
    with app.app_context():
        db.session.remove()
        if backend.name == "postgresql":
            tables = ", ".join(
                f'"{table.name}"' for table in db.metadata.sorted_tables
            )
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context for service tests, which call functions directly.

    View tests must not use it: requests would share its ``g`` (and logged-in user).
    """
    with app.app_context():
        yield app


@contextlib.contextmanager
def context_of(app: Flask):
    """The current app context if there is one, else a short one for this block."""
    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


class FormClient(FlaskClient):
    """A test client that sends the CSRF token the way a browser's form does."""

    def csrf_token(self, page_url: str = "/auth/login") -> str:
        """The token a browser would send: organiser pages carry the session's token in a
        meta tag; a guest's page carries one bound to their link in its form."""
        page = self.get(page_url, follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(page) or CSRF_INPUT.search(page)
        assert match, f"{page_url} carries a CSRF token"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST ``data`` as a form with a valid CSRF token."""
        page = url.split("?")[0] if url.startswith("/r/") else "/auth/login"
        form = {"csrf_token": self.csrf_token(page), **(data or {})}
        return self.post(url, data=form, **kwargs)


@pytest.fixture
def client(app: Flask) -> FormClient:
    app.test_client_class = FormClient
    return app.test_client()


@pytest.fixture
def make_organiser(app: Flask) -> Callable[..., Organiser]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, email: str | None = None,
             password: str = PASSWORD) -> Organiser:
        number = next(counter)
        with context_of(app):
            organiser = register_organiser(
                name or f"Organiser {number}", email or f"organiser{number}@example.com", password
            )
            db.session.commit()
            db.session.refresh(organiser)
        return organiser

    return make


@pytest.fixture
def make_event(app: Flask, make_organiser) -> Callable[..., Event]:
    def make(owner: Organiser | None = None, **overrides) -> Event:
        owner = owner or make_organiser()
        details = {"title": "Client race", "timezone": "Europe/Oslo", **overrides}
        if isinstance(details.get("status"), str):
            details["status"] = EventStatus(details["status"])
        with context_of(app):
            event = create_event(db.session.merge(owner), EventDetails(**details))
            db.session.commit()
            db.session.refresh(event)
            assert event.owner  # loaded, for tests that ask for it later
        return event

    return make


def next_year_at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time next year: always in the future, whatever today is."""
    return datetime(utcnow().year + 1, month, day, hour, minute)


def activity_ids(app: Flask, event: Event) -> list[int]:
    """The ids of an event's parts, in time order."""
    with app.app_context():
        return list(db.session.scalars(select(Activity.id).where(
            Activity.event_id == event.id).order_by(Activity.starts_at)))


@pytest.fixture
def make_activity(app: Flask) -> Callable[..., Activity]:
    def make(event: Event, **overrides) -> Activity:
        starts_at = overrides.pop("starts_at", next_year_at(10, 1, 16))
        details = {
            "name": "Stair race",
            "kind": ActivityKind(overrides.pop("kind", ActivityKind.TIMED)),
            "starts_at": starts_at,
            "ends_at": overrides.pop("ends_at", starts_at + timedelta(hours=1, minutes=30)),
            **overrides,
        }
        with context_of(app):
            activity = add_activity(db.session.merge(event), ActivityDetails(**details))
            db.session.commit()
            db.session.refresh(activity)
        return activity

    return make


@pytest.fixture
def log_in(app: Flask) -> Callable[..., FormClient]:
    """A new client, logged in as ``organiser`` through the login form."""

    def log_in_as(organiser: Organiser, password: str = PASSWORD) -> FormClient:
        app.test_client_class = FormClient
        client = app.test_client()
        response = client.submit(
            "/auth/login", {"email": organiser.email, "password": password}
        )
        assert response.status_code == 302, "the test organiser can log in"
        return client

    return log_in_as


@pytest.fixture
def make_contact(app: Flask, make_organiser) -> Callable[..., Contact]:
    counter = iter(range(1, 100_000))

    def make(owner: Organiser | None = None, **overrides) -> Contact:
        owner = owner or make_organiser()
        number = next(counter)
        details = {"name": f"Guest {number}", "email": f"guest{number}@client.example",
                   **overrides}
        with context_of(app):
            contact = create_contact(db.session.merge(owner), ContactDetails(**details))
            db.session.commit()
            db.session.refresh(contact)
        return contact

    return make


@pytest.fixture
def make_invitation(app: Flask) -> Callable[..., Invitation]:
    """Invite a contact to an event (through the service); ``send`` queues the email."""

    def make(event: Event, contact: Contact, plus_ones_allowed: int = 0,
             send: bool = False) -> Invitation:
        with context_of(app):
            event = db.session.merge(event)
            report = invite_contacts(event, event.owner, [contact.id], plus_ones_allowed,
                                     send=send, now=utcnow())
            db.session.commit()
            invitation = report.invited[0]
            db.session.refresh(invitation)
            invitation.token = invitation_token(invitation)
        return invitation

    return make


@pytest.fixture
def make_guest_who_came(app: Flask, make_invitation) -> Callable[..., Invitation]:
    """Invite a contact to an (ended) event and say yes to every part for them; with a
    ``score``, they give feedback an hour after the end."""

    def make(event: Event, contact: Contact, score: int | None = None,
             ratings: dict[int, int] | None = None, **comments) -> Invitation:
        from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
        from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
        from eventplanner.invitations.models import AnswerStatus

        invitation = make_invitation(event, contact)
        with context_of(app):
            live = db.session.get(Invitation, invitation.id)
            respond_to_invitation(live, GuestAnswer({
                activity.id: AnswerStatus.YES for activity in live.event.activities}),
                utcnow(), changed_by="organiser")
            if score is not None:
                submit_feedback(live, FeedbackAnswer(score=score, ratings=ratings or {},
                                                     **comments),
                                live.event.ends_at + timedelta(hours=1))
            db.session.commit()
        return invitation

    return make


class Inbox:
    """An aiosmtpd handler that keeps every message it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(app: Flask, smtp_port: int) -> Iterator[Inbox]:
    """A real SMTP server on loopback; the app's mail worker is pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def deliver_mail(app: Flask) -> Callable[[], str]:
    """Run the mail worker once, as cron or an operator would: ``flask mail deliver``."""

    def deliver() -> str:
        result = app.test_cli_runner().invoke(args=["mail", "deliver"])
        assert result.exit_code == 0, result.output
        return result.output

    return deliver


LINK = re.compile(r"http://eventplanner\.test(/r/[A-Za-z0-9_-]{43})")


def personal_link_in(message: EmailMessage) -> str:
    """The path of the personal link in an email's text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def held_while(app: Flask, first_change: Callable[[], object],
               second_change: Callable[[], None]) -> None:
    """A race played out exactly: ``first_change`` runs in one thread and is flushed but
    not committed while ``second_change`` (which opens its own app context and commits)
    starts in another; then the first commits. A second change that does not wait for the
    first's locks finishes before that commit."""
    changed, commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with app.app_context():
                first_change()
                db.session.flush()
                changed.set()
                commit.wait(10)
                db.session.commit()
        except BaseException as error:  # handed to the test's thread
            errors.append(error)
            changed.set()

    def second() -> None:
        try:
            second_change()
        except BaseException as error:
            errors.append(error)

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert changed.wait(10)
    second_thread = threading.Thread(target=second)
    second_thread.start()
    second_thread.join(0.5)
    commit.set()
    first_thread.join(10)
    second_thread.join(10)
    if errors:
        raise errors[0]

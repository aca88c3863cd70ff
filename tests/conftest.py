"""Fixtures: a migrated database per backend, an app, clients, and factories.

Every test that uses ``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set,
once more on PostgreSQL. The schema comes from the Alembic migrations, never from
``create_all``, so the tests also prove the migrations. In CI (``CI`` set) a missing
``TEST_DATABASE_URL`` fails the run instead of skipping PostgreSQL.

Each test starts on an empty database. The app itself is shared by the tests of a backend
(building one compiles every route, about a tenth of a second) and put back as it was after
each test: its settings, its extensions and its page cache. A test that needs settings of
its own (``@pytest.mark.settings``) gets an app of its own.

Under pytest-xdist each worker has its own SQLite template and its own PostgreSQL
database, named after the one in ``TEST_DATABASE_URL`` (``test_gw0``, ``test_gw1``...).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
import socket
import threading
import time
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
from jinja2 import BaseLoader
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy.engine import Engine

from config import TestConfig
from eventplanner import create_app
from eventplanner.access import API_SCOPES
from eventplanner.auth.models import Membership, Organiser, Role
from eventplanner.auth.services import register_organiser
from eventplanner.contacts.models import Contact
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import Activity, ActivityKind, Event, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import Invitation
from eventplanner.team.api_tokens import create_token
from tests.caldav_server import caldav_server  # noqa: F401  (a fixture: Radicale)

#: More fixtures: a real IMAP server (Dovecot), webhook receivers (http.server).
pytest_plugins = ["tests.imap_server", "tests.webhook_receiver"]

PASSWORD = "correct horse battery staple"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass(frozen=True)
class Backend:
    name: str
    url: str


@sqlalchemy_events.listens_for(Engine, "connect")
def _no_fsync_on_throwaway_sqlite(dbapi_connection, connection_record) -> None:
    """The tests' SQLite files are thrown away: their commits skip the fsync to disk
    (``synchronous=OFF`` changes durability after a power cut only, not locking or
    isolation). An fsync took about 12 ms a commit here, a third of some tests' time. This
    module is imported by the tests' own processes too (``app_for``), so theirs skip it."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for every app of a test process: each app compiled
    each template it rendered again (about 6 ms a template, several hundred times a run).
    A template whose source changed is compiled again (Jinja checks the source's checksum)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def app_for(url: str, **settings) -> Flask:
    config = type("PerTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


SQL_STATEMENT = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


@contextlib.contextmanager
def statements_run(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement (select, insert, update, delete) the database driver runs
    meanwhile, raw DB-API cursors included (the guest page's link lookup runs on one),
    which SQLAlchemy's cursor events do not see: SQLite's trace hook, or a psycopg cursor
    class that notes what it runs. Installed at each checkout from the pool and removed at
    checkin, so PostgreSQL's pre-ping does not count."""
    import psycopg

    statements: list[str] = []

    def note(sql: str) -> None:
        if SQL_STATEMENT.match(sql):
            statements.append(sql)

    class NotingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            note(query if isinstance(query, str) else query.as_string(self))
            return super().execute(query, params, **kwargs)

        def executemany(self, query, params_seq, **kwargs):
            note(query if isinstance(query, str) else query.as_string(self))
            return super().executemany(query, params_seq, **kwargs)

    def watch(dbapi_connection, record, proxy) -> None:
        if isinstance(dbapi_connection, psycopg.Connection):
            dbapi_connection.cursor_factory = NotingCursor
        else:
            dbapi_connection.set_trace_callback(note)

    def unwatch(dbapi_connection, record) -> None:
        if isinstance(dbapi_connection, psycopg.Connection):
            dbapi_connection.cursor_factory = psycopg.Cursor
        else:
            dbapi_connection.set_trace_callback(None)

    with app.app_context():
        pool = db.engine.pool
    sqlalchemy_events.listen(pool, "checkout", watch)
    sqlalchemy_events.listen(pool, "checkin", unwatch)
    try:
        yield statements
    finally:
        sqlalchemy_events.remove(pool, "checkout", watch)
        sqlalchemy_events.remove(pool, "checkin", unwatch)


def process_context():
    """Start the tests' OS processes from here: each its own interpreter state, engine and
    connections, forked from a server process that imported the app once (``forkserver``;
    a "spawn" paid the imports again in every process, about 2 s of CPU each)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.conftest"])
    return context


def stop_processes(processes, wait: float) -> None:
    """Wait for the tests' processes to end; one still running after ``wait`` seconds is
    killed (a stuck process must not hang the suite)."""
    for process in processes:
        process.join(wait)
        if process.is_alive():
            process.kill()


def migrate_to_head(url: str) -> None:
    app = app_for(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def worker_database(url: str) -> str:
    """``url`` itself, or under pytest-xdist a database of this worker's own beside it
    (made on first use), so that workers never share rows."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    shared = make_url(url)
    own = shared.set(database=f"{shared.database}_{worker}")
    engine = create_engine(shared, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": own.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


def empty_database(app: Flask, backend: Backend) -> None:
    """Delete every row the test wrote and close the app's connections. On PostgreSQL the
    ids start again from 1, as on a fresh copy of SQLite (DELETE: TRUNCATE of every table
    took about 0.8 s a test here)."""
    with app.app_context():
        db.session.remove()
        if backend.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("; ".join(
                    f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)))
                connection.exec_driver_sql(
                    "SELECT setval(oid, 1, false) FROM pg_class "
                    "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace")
        db.engine.dispose()


SavedDatabase = Path | dict[str, list[dict]]


def save_database(app: Flask, backend: Backend, path: Path) -> SavedDatabase:
    """What the app's database holds now, to be put back with ``restore_database``: on
    SQLite a copy of the file at ``path``, on PostgreSQL every row."""
    with app.app_context():
        db.session.remove()
        if backend.name == "sqlite":
            db.engine.dispose()
            shutil.copyfile(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, path)
            return path
        with db.engine.connect() as connection:
            return {table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
                    for table in db.metadata.sorted_tables}


def restore_database(app: Flask, backend: Backend, saved: SavedDatabase) -> None:
    """Make the app's database hold exactly what ``save_database`` saved (ids included),
    whatever it holds now."""
    empty_database(app, backend)
    if backend.name == "sqlite":
        shutil.copyfile(saved, make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        return
    with app.app_context(), db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            rows = saved[table.name]
            if not rows:
                continue
            connection.execute(table.insert(), rows)
            for column in table.primary_key.columns:  # the next id follows the saved ones
                if column.type.python_type is int:
                    connection.execute(
                        select(func.setval(func.pg_get_serial_sequence(f'"{table.name}"',
                                                                       column.name),
                                           func.max(column))))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long`` first, the others after them, each in the order pytest
    gave: pytest-xdist hands the tests out in this order, so the last ones to run are short
    and no worker is left alone with a long one (one ran for 23 s at the end of a loaded run,
    the other worker idle)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def migrated() -> dict[str, Backend]:
    """The migrated database of each backend, kept for the session: pytest sets ``backend``
    up again each time the tests switch from one backend to the other (it keeps one param
    of a session fixture at a time), which they do often under pytest-xdist, and a
    migration took 3-4 s of a test's setup."""
    return {}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, migrated, tmp_path_factory) -> Backend:
    """A database migrated to head, once per test session and backend."""
    if request.param not in migrated:
        migrated[request.param] = migrated_backend(request.param, tmp_path_factory)
    return migrated[request.param]


def migrated_backend(name: str, tmp_path_factory) -> Backend:
    if name == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.db"
        migrate_to_head(f"sqlite:///{template}")
        return Backend("sqlite", str(template))
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL too: set TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (see the README)")
    url = worker_database(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_to_head(url)
    return Backend("postgresql", url)


ROOT = Path(__file__).resolve().parent.parent


def not_installed(program: str) -> None:
    """Skip the test (fail it in CI): ``program`` is installed by ``make test-tools``, never
    by a test run."""
    message = f"{program} is not installed: run `make test-tools`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """The translations as the app reads them: compiled from the .po files when missing or
    older (``make install`` does the same; this keeps a bare ``pytest`` honest)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for source in (ROOT / "eventplanner" / "translations").glob("*/LC_MESSAGES/messages.po"):
        target = source.with_suffix(".mo")
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            partial = target.with_suffix(f".{os.getpid()}.part")  # workers compile at once
            with open(source, "rb") as po, open(partial, "wb") as mo:
                write_mo(mo, read_po(po, locale=source.parent.parent.name))
            partial.replace(target)


def fresh_copy(backend: Backend, path: Path) -> str:
    """The address of an empty, migrated database for one test: on SQLite a copy of the
    template at ``path``; on PostgreSQL the backend's own database (emptied after each test)."""
    if backend.name == "sqlite":
        # A process a test killed (a worker loop, say) may have left its write-ahead log
        # beside the file: the next connection would replay it onto the fresh copy.
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(backend.url, path)
        return f"sqlite:///{path}"
    return backend.url


@dataclass
class SharedApp:
    """An app shared by many tests, and what it was like before the first of them."""

    app: Flask
    database: Path
    settings: dict
    extensions: dict
    templates: BaseLoader

    def put_back(self) -> None:
        """Undo what a test did to the app: settings, extensions, rendered guest pages,
        templates of its own put before the app's."""
        if self.app.jinja_env.loader is not self.templates:
            self.app.jinja_env.loader = self.templates
            self.app.jinja_env.cache.clear()
        self.app.config.clear()
        self.app.config.update(self.settings)
        self.app.extensions.clear()
        self.app.extensions.update(self.extensions)
        pages = self.app.extensions["guest_pages"]
        self.app.extensions["guest_pages"] = type(pages)(pages.capacity)


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory) -> Callable[[Backend], SharedApp]:
    """The app of every test on a backend that needs no settings of its own, one a backend
    (made on first use; the browser tests have a backend of their own)."""
    apps: dict[Backend, SharedApp] = {}

    def for_backend(backend: Backend) -> SharedApp:
        if backend not in apps:
            database = tmp_path_factory.mktemp("shared") / "test.db"
            app = app_for(fresh_copy(backend, database))
            app.test_client_class = FormClient
            apps[backend] = SharedApp(app, database, dict(app.config), dict(app.extensions),
                                      app.jinja_env.loader)
        return apps[backend]

    return for_backend


@pytest.fixture
def app(backend: Backend, request) -> Iterator[Flask]:
    """An app on an empty, migrated database; ``@pytest.mark.settings(NAME=value)``
    changes its configuration for one test (and gives that test an app of its own)."""
    marker = request.node.get_closest_marker("settings")
    if marker is None:
        shared = request.getfixturevalue("shared_app")(backend)
        fresh_copy(backend, shared.database)
        try:
            yield shared.app
        finally:
            empty_database(shared.app, backend)
            shared.put_back()
        return
    settings = marker.kwargs
    app = app_for(fresh_copy(backend, request.getfixturevalue("tmp_path") / "test.db"),
                  **settings)
    if settings.get("RATELIMIT_ENABLED"):
        from eventplanner.security import rate_limits

        with app.app_context():
            rate_limits.reset()  # counts from earlier tests (in Redis) stay out
    yield app
    empty_database(app, backend)


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

    #: How long an organiser's token is sent again before a page is read for a new one.
    TOKEN_REUSED_FOR = 60  # seconds

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._organiser_token: tuple[str, float, str] | None = None

    def csrf_token(self, page_url: str = "/auth/login") -> str:
        """The token a browser would send: organiser pages carry the session's token in a
        meta tag; a guest's page carries one bound to their link in its form.

        An organiser's token is read from a page once and sent again, as from a tab left
        open, while the session keeps the secret it was made from and for a minute of the
        (perhaps travelling) clock; reading it for every form rendered the dashboard each
        time (/auth/login sends a logged-in organiser there)."""
        if page_url != "/auth/login":
            return self._token_on(page_url)
        secret, now = self._session_csrf_secret(), time.time()
        if self._organiser_token is not None:
            made_from, read_at, token = self._organiser_token
            if made_from == secret and 0 <= now - read_at < self.TOKEN_REUSED_FOR:
                return token
        token = self._token_on(page_url)
        self._organiser_token = (self._session_csrf_secret(), now, token)
        return token

    def _session_csrf_secret(self) -> str | None:
        with self.session_transaction() as session:
            return session.get("csrf_token")

    def _token_on(self, page_url: str) -> str:
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
def make_member(app: Flask) -> Callable[..., Organiser]:
    """An account that belongs to ``owner``'s workspace only, with ``role`` (and a phone,
    shown to the guests it hosts)."""
    counter = iter(range(1, 1000))

    def make(owner: Organiser, role: Role = Role.ORGANISER, name: str | None = None,
             phone: str = "") -> Organiser:
        number = next(counter)
        with context_of(app):
            workspace_id = db.session.scalar(select(Membership.workspace_id).where(
                Membership.organiser_id == owner.id).order_by(Membership.id))
            member = register_organiser(name or f"Member {number}",
                                        f"member{number}@example.com", PASSWORD,
                                        own_workspace=False)
            member.phone = phone
            db.session.add(Membership(workspace_id=workspace_id, organiser=member, role=role))
            db.session.commit()
            db.session.refresh(member)
        return member

    return make


@pytest.fixture
def make_api_token(app: Flask, make_organiser) -> Callable[..., str]:
    """The secret of a new API token made by ``owner`` (an owner of their workspace; a new
    account if None) with ``scopes`` (all by default)."""

    def make(owner: Organiser | None = None, scopes: tuple[str, ...] = tuple(API_SCOPES),
             expires_at: datetime | None = None, name: str = "CRM sync") -> str:
        owner = owner or make_organiser()
        with context_of(app):
            maker = db.session.get(Organiser, owner.id)
            made = create_token(maker, name, list(scopes), expires_at, utcnow())
            db.session.commit()
        return made.secret

    return make


def bearer(secret: str) -> dict[str, str]:
    """The header an API call carries its token in."""
    return {"Authorization": f"Bearer {secret}"}


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
        #: Each message's envelope sender (MAIL FROM), in the same order.
        self.senders: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        self.senders.append(envelope.mail_from)
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

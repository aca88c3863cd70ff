"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from functools import cached_property

from babel.support import NullTranslations
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A point in time, stored in UTC and always returned timezone-aware (UTC).

    SQLite keeps no offset, so values are written as naive UTC there; PostgreSQL stores
    ``timestamptz``. Naive datetimes are refused: every time in this app knows its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked per connection. A database file is kept in
    write-ahead-log mode: a commit costs one fsync instead of about five (journal, database,
    journal removal), still durable (``synchronous`` stays FULL), and readers no longer
    wait for a writer. An in-memory database stays as it is."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
class _TranslationsByLocale(Domain):
    """Flask-Babel's message domain, finding the translations by the current locale alone:
    one context lookup per string instead of three and no locale name built (a guest page
    translates some fifty strings in Python and in its templates)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:  # outside a request or app context, as Flask-Babel does
            return NullTranslations()
        translations = self._by_locale.get(locale)
        if translations is None:
            translations = self._by_locale[locale] = super().get_translations()
        return translations


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _TranslationsByLocale(domain=self.domain)


babel = _Babel()

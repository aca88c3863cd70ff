"""The migrations and the models describe the same schema (what `flask db check` checks)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eventplanner.extensions import db


def test_the_migrated_schema_matches_the_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_check_constraints_exist_in_the_database(app_ctx):
    """A part that ends before it starts cannot be written even past the services."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    db.session.execute(text(
        "INSERT INTO organiser (name, email, password_hash, language, created_at) "
        "VALUES ('A', 'a@example.com', 'x', 'en', CURRENT_TIMESTAMP)"))
    db.session.execute(text(
        "INSERT INTO event (owner_id, title, description, timezone, status, default_language, "
        "host_name, host_email, host_phone, created_at, updated_at) VALUES (1, 'E', '', 'UTC', "
        "'draft', 'en', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO activity (event_id, name, kind, starts_at, ends_at, place_name, "
            "address, map_url, notes) VALUES (1, 'P', 'standard', '2027-10-01 16:00:00', "
            "'2027-10-01 15:00:00', '', '', '', '')"))
    db.session.rollback()

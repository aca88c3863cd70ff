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
        "INSERT INTO workspace (name, requires_two_factor, created_at) "
        "VALUES ('A', FALSE, CURRENT_TIMESTAMP)"))
    db.session.execute(text(
        "INSERT INTO event (workspace_id, owner_id, title, description, timezone, status, "
        "default_language, host_name, host_email, host_phone, results_show_names, "
        "feedback_question, feedback_question_is_rating, check_in_used, created_at, "
        "updated_at) VALUES (1, 1, 'E', '', 'UTC', 'draft', 'en', '', '', '', TRUE, '', FALSE, "
        "FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO activity (event_id, name, kind, starts_at, ends_at, place_name, "
            "address, map_url, notes) VALUES (1, 'P', 'standard', '2027-10-01 16:00:00', "
            "'2027-10-01 15:00:00', '', '', '', '')"))
    db.session.rollback()


def test_upgrading_a_database_with_guests_keeps_their_answers(tmp_path):
    """Migrations that rebuild SQLite tables must not trip over rows pointing at them."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import app_for

    app = app_for(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0003")
        for statement in (
            "INSERT INTO organiser VALUES (1, 'A', 'a@example.com', 'x', 'en', "
            "'2026-01-01 00:00:00')",
            "INSERT INTO event (id, owner_id, title, description, timezone, status, "
            "default_language, host_name, host_email, host_phone, created_at, updated_at) "
            "VALUES (1, 1, 'E', '', 'UTC', 'published', 'en', '', '', '', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO activity VALUES (1, 1, 'Race', 'timed', '2027-10-01 14:00:00', "
            "'2027-10-01 15:00:00', '', '', '', NULL, '')",
            "INSERT INTO contact (id, organiser_id, name, email, phone, language, "
            "dietary_notes, notes, created_at, updated_at) VALUES (1, 1, 'G', "
            "'g@example.com', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO invitation (id, event_id, contact_id, plus_ones_allowed, token_nonce, "
            "language, plus_one_names, dietary_needs, message_to_host, created_at, "
            "updated_at) VALUES (1, 1, 1, 0, 'n', '', '[]', '', '', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')",
            "INSERT INTO response VALUES (1, 1, 1, 'yes', 1, NULL, '2026-01-01 00:00:00')",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        assert db.session.execute(text(
            "SELECT status, places FROM response")).all() == [("yes", 1)]
        assert db.session.execute(text("SELECT sequence FROM activity")).scalar() == 0
        db.engine.dispose()

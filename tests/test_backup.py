"""A backup of the SQLite database, taken while the app runs, restores to a working app with
every row, and the guests' links still open."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from eventplanner.extensions import db


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def test_a_sqlite_backup_restores_to_a_working_app(app, backend, tmp_path, make_event,
                                                   make_activity, make_contact,
                                                   make_invitation):
    from tests.conftest import app_for

    if backend.name != "sqlite":
        pytest.skip("PostgreSQL is backed up with pg_dump (the README)")
    event = make_event(status="published", title="Christmas meeting")
    make_activity(event)
    invitation = make_invitation(event, make_contact(event.owner, name="Kari"), send=True)
    app.test_cli_runner().invoke(args=["demo"])
    before = row_counts(app)
    assert before["invitation"] >= 9

    backup = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert again.exit_code != 0 and "exists already" in again.output  # never overwritten

    with app.app_context():  # disaster: the live database is lost
        live = db.engine.url.database
        db.engine.dispose()
    restored_path = tmp_path / "restored" / "eventplanner.db"
    restored_path.parent.mkdir()
    shutil.copyfile(backup, restored_path)  # the restore: stop the app, copy the file back
    restored = app_for(f"sqlite:///{restored_path}", SECRET_KEY=app.config["SECRET_KEY"])
    assert live != str(restored_path)
    assert row_counts(restored) == before
    with restored.app_context():
        from flask_migrate import upgrade
        upgrade()  # already at the latest schema: nothing to do
    page = restored.test_client().get(f"/r/{invitation.token}")
    assert page.status_code == 200 and "Christmas meeting" in page.get_data(as_text=True)

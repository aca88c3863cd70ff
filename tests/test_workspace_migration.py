"""Migration 0021 moves today's data into workspaces without changing who sees what.

A database at revision 0020 (before workspaces) holds two organisers, Anna and Bjørn, each
with contacts, a company (both named Acme), tags, a series, notes and events; Anna's race is
shared with Bjørn as co-organiser (with one of Anna's clients invited), Bjørn's picnic with
nobody. Before the upgrade, the old rules say on the old tables what each person sees
(events: owner or co-organiser; contacts, companies, notes: their organiser). After the
upgrade each person logs in to the real app and opens every event, contact and company page
and their lists: what answers 200 must be exactly what they saw before, the rest 404.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from eventplanner.extensions import db
from tests.conftest import PASSWORD, FormClient, app_for

WHEN = "2026-01-01 00:00:00"
ANNA, BJORN = 1, 2
EVENTS = {1: "Anna's shared race", 2: "Anna's private dinner", 3: "Bjorn's own picnic"}
CONTACTS = {1: "Ada Guest", 2: "Alf Guest", 3: "Bea Guest", 4: "Bo Guest"}
NOTES = {1: "Ada has a dog", 2: "Acme pays late", 3: "Bea likes tea"}


def old_data(password_hash: str) -> list[tuple[str, dict]]:
    """Rows at revision 0020, as that schema has them."""
    rows: list[tuple[str, dict]] = []
    for id_, name, email in ((ANNA, "Anna Berg", "anna@example.com"),
                             (BJORN, "Bjorn Dahl", "bjorn@example.com")):
        rows.append(("INSERT INTO organiser (id, name, email, password_hash, language, "
                     "created_at, email_verified_at) VALUES (:id, :name, :email, :hash, 'en', "
                     ":when, :when)",
                     {"id": id_, "name": name, "email": email, "hash": password_hash}))
    for id_, organiser, name in ((1, ANNA, "Acme"), (2, BJORN, "Acme")):
        rows.append(("INSERT INTO company (id, organiser_id, name, notes, created_at) "
                     "VALUES (:id, :organiser, :name, '', :when)",
                     {"id": id_, "organiser": organiser, "name": name}))
    for id_, organiser, company, email in ((1, ANNA, 1, "ada@client.example"),
                                           (2, ANNA, None, "same@client.example"),
                                           (3, BJORN, 2, "bea@client.example"),
                                           (4, BJORN, None, "same@client.example")):
        rows.append(("INSERT INTO contact (id, organiser_id, company_id, name, email, phone, "
                     "language, dietary_notes, notes, created_at, updated_at) VALUES (:id, "
                     ":organiser, :company, :name, :email, '', 'en', '', '', :when, :when)",
                     {"id": id_, "organiser": organiser, "company": company,
                      "name": CONTACTS[id_], "email": email}))
    for id_, organiser in ((1, ANNA), (2, BJORN)):
        rows.append(("INSERT INTO tag (id, organiser_id, name) VALUES (:id, :organiser, 'vip')",
                     {"id": id_, "organiser": organiser}))
        rows.append(("INSERT INTO event_series (id, organiser_id, name) "
                     "VALUES (:id, :organiser, 'Stoltzen')", {"id": id_, "organiser": organiser}))
    for contact, tag in ((1, 1), (3, 2)):
        rows.append(("INSERT INTO contact_tag (contact_id, tag_id) VALUES (:contact, :tag)",
                     {"contact": contact, "tag": tag}))
    for id_, contact, company in ((1, 1, None), (2, None, 1), (3, 3, None)):
        rows.append(("INSERT INTO relationship_note (id, contact_id, company_id, noted_on, "
                     "text, created_at) VALUES (:id, :contact, :company, '2025-12-24', :text, "
                     ":when)", {"id": id_, "contact": contact, "company": company,
                                "text": NOTES[id_]}))
    for id_, owner, series in ((1, ANNA, 1), (2, ANNA, 1), (3, BJORN, 2)):
        rows.append(("INSERT INTO event (id, owner_id, title, description, timezone, status, "
                     "default_language, host_name, host_email, host_phone, created_at, "
                     "updated_at, series_id, results_show_names, feedback_question, "
                     "feedback_question_is_rating, check_in_used) VALUES (:id, :owner, :title, "
                     "'', 'Europe/Oslo', 'published', 'en', '', '', '', :when, :when, :series, "
                     "TRUE, '', FALSE, FALSE)",
                     {"id": id_, "owner": owner, "title": EVENTS[id_], "series": series}))
        rows.append(("INSERT INTO activity (id, event_id, name, kind, starts_at, ends_at, "
                     "place_name, address, map_url, notes, sequence) VALUES (:id, :id, "
                     "'Stair race', 'timed', '2027-09-05 16:00:00', '2027-09-05 17:00:00', "
                     "'', '', '', '', 0)", {"id": id_}))
    rows.append(("INSERT INTO event_co_organiser (event_id, organiser_id) VALUES (1, :b)",
                 {"b": BJORN}))
    rows.append(("INSERT INTO invitation (id, event_id, contact_id, plus_ones_allowed, "
                 "token_nonce, language, plus_one_names, dietary_needs, message_to_host, "
                 "created_at, updated_at) VALUES (1, 1, 1, 0, 'nonce', 'en', '[]', '', '', "
                 ":when, :when)", {}))
    return rows


def what_each_sees_by_the_old_rules(app: Flask) -> dict[int, dict[str, set[int]]]:
    """On the old tables: events owned or co-organised; contacts, companies and notes of
    the organiser's own."""
    seen = {}
    with app.app_context():
        for person in (ANNA, BJORN):
            def ids(sql: str) -> set[int]:
                return set(db.session.scalars(text(sql), {"me": person}))  # noqa: B023

            seen[person] = {
                "events": ids("SELECT id FROM event WHERE owner_id = :me UNION SELECT "
                              "event_id FROM event_co_organiser WHERE organiser_id = :me"),
                "contacts": ids("SELECT id FROM contact WHERE organiser_id = :me"),
                "companies": ids("SELECT id FROM company WHERE organiser_id = :me"),
                "notes": ids("SELECT relationship_note.id FROM relationship_note "
                             "LEFT JOIN contact ON contact.id = contact_id "
                             "LEFT JOIN company ON company.id = relationship_note.company_id "
                             "WHERE coalesce(contact.organiser_id, company.organiser_id) = :me"),
            }
        db.session.remove()
    return seen


def what_each_opens(app: Flask) -> dict[int, dict[str, set[int]]]:
    """Through the app, logged in as each person: the pages that answer 200 (every other
    answer must be 404), and the notes shown on the contact and company pages they open."""
    opened = {}
    app.test_client_class = FormClient
    for person, email in ((ANNA, "anna@example.com"), (BJORN, "bjorn@example.com")):
        browser = app.test_client()
        assert browser.submit("/auth/login", {"email": email, "password": PASSWORD}) \
            .status_code == 302

        def pages(pattern: str, ids, browser=browser) -> tuple[set[int], list[str]]:
            statuses = {id_: browser.get(pattern.format(id_)) for id_ in ids}
            assert {r.status_code for r in statuses.values()} <= {200, 404}, pattern
            bodies = [r.get_data(as_text=True) for r in statuses.values()
                      if r.status_code == 200]
            return {id_ for id_, r in statuses.items() if r.status_code == 200}, bodies

        events, _ = pages("/events/{}", EVENTS)
        contacts, contact_pages = pages("/contacts/{}", CONTACTS)
        companies, company_pages = pages("/contacts/companies/{}", (1, 2))
        shown = " ".join(contact_pages + company_pages)
        dashboard = browser.get("/").get_data(as_text=True)
        contact_list = browser.get("/contacts/").get_data(as_text=True)
        opened[person] = {
            "events": events, "contacts": contacts, "companies": companies,
            "notes": {id_ for id_, note in NOTES.items() if note in shown},
            "dashboard": {id_ for id_, title in EVENTS.items()
                          if title.replace("'", "&#39;") in dashboard},
            "contact list": {id_ for id_, name in CONTACTS.items() if name in contact_list},
            "vip": {id_ for id_, name in CONTACTS.items()
                    if name in browser.get("/contacts/?tag=vip").get_data(as_text=True)},
        }
    return opened


@pytest.fixture
def old_database(backend, tmp_path) -> Iterator[str]:
    """An empty database of the backend's kind, for migrations from scratch: a file on
    SQLite; on PostgreSQL a database of its own beside the backend's, dropped afterwards."""
    if backend.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = make_url(backend.url)
    own = server.set(database=f"{server.database}_migration")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    yield own.render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    engine.dispose()


def database_at_0020(url: str) -> Flask:
    from eventplanner.auth.services import hash_password  # as register_organiser does

    app = app_for(url)
    with app.app_context():
        upgrade(revision="0020")
        for statement, values in old_data(hash_password(PASSWORD)):
            db.session.execute(text(statement), {"when": WHEN, **values})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # ids were given: the sequences follow
            for table in ("organiser", "company", "contact", "tag", "event_series",
                          "relationship_note", "event", "activity", "invitation"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), (SELECT max(id) FROM {table}))"))
            db.session.commit()
        db.session.remove()
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


EXPECTED_BEFORE = {
    ANNA: {"events": {1, 2}, "contacts": {1, 2}, "companies": {1}, "notes": {1, 2}},
    BJORN: {"events": {1, 3}, "contacts": {3, 4}, "companies": {2}, "notes": {3}},
}


def test_after_the_upgrade_each_organiser_opens_exactly_what_they_saw_before(old_database):
    app = database_at_0020(old_database)
    before = what_each_sees_by_the_old_rules(app)
    assert before == EXPECTED_BEFORE  # the old rules, written out once
    with app.app_context():
        upgrade()
        db.session.remove()

    after = what_each_opens(app)
    for person in (ANNA, BJORN):
        seen = before[person]
        assert after[person]["events"] == seen["events"], person
        assert after[person]["dashboard"] == seen["events"], person
        assert after[person]["contacts"] == seen["contacts"], person
        assert after[person]["contact list"] == seen["contacts"], person
        assert after[person]["companies"] == seen["companies"], person
        assert after[person]["notes"] == seen["notes"], person
    # Bjørn opens Anna's shared race (with her client on it) but none of her client book.
    assert after[BJORN]["events"] >= {1} and not after[BJORN]["contacts"] & {1, 2}
    assert after[ANNA]["vip"] == {1} and after[BJORN]["vip"] == {3}

    with app.app_context():
        notes = db.session.execute(text(
            "SELECT id, text, author_id, private FROM relationship_note ORDER BY id")).all()
        assert [tuple(note) for note in notes] == [
            (1, NOTES[1], ANNA, False), (2, NOTES[2], ANNA, False), (3, NOTES[3], BJORN, False)]
        assert db.session.execute(text(
            "SELECT organiser_id, workspace_id, role FROM membership ORDER BY id")).all() == [
            (ANNA, ANNA, "owner"), (BJORN, BJORN, "owner")]
    dispose(app)


def test_a_new_workspace_after_the_upgrade_gets_a_fresh_id(old_database):
    """The migration gave workspaces the accounts' ids: the next one must not collide."""
    from eventplanner.auth.models import Organiser
    from eventplanner.auth.services import register_organiser

    app = database_at_0020(old_database)
    with app.app_context():
        upgrade()
        newcomer = register_organiser("Cora New", "cora@example.com", PASSWORD)
        db.session.commit()
        assert newcomer.workspace_id not in (ANNA, BJORN)
        assert db.session.get(Organiser, ANNA).workspace_id == ANNA
        db.session.remove()
    dispose(app)


def test_downgrading_and_upgrading_again_keeps_the_data(backend, old_database):
    if backend.name != "sqlite":
        pytest.skip("the round trip is checked on SQLite (its tables are rebuilt)")
    app = database_at_0020(old_database)
    before = what_each_sees_by_the_old_rules(app)
    with app.app_context():
        upgrade()
        downgrade(revision="0020")
        db.session.remove()
    assert what_each_sees_by_the_old_rules(app) == before
    with app.app_context():
        assert db.session.execute(text("SELECT text FROM relationship_note ORDER BY id")) \
            .scalars().all() == list(NOTES.values())
        upgrade()
        db.session.remove()
    after = what_each_opens(app)
    for person in (ANNA, BJORN):
        for kind in ("events", "contacts", "companies", "notes"):
            assert after[person][kind] == before[person][kind], (person, kind)
    dispose(app)

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from eventplanner.auth.models import Membership, Organiser, Role
from eventplanner.contacts.models import Company, Contact
from eventplanner.demo import (
    DEMO_EMAIL,
    DEMO_EVENT_TITLE,
    DEMO_MEMBERS,
    DEMO_PASSWORD,
    next_autumn_friday,
)
from eventplanner.events.models import Activity, ActivityKind, Event
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, Note
from eventplanner.invitations.models import Invitation, Response
from eventplanner.mail.models import Message
from eventplanner.timezones import wall_clock

TABLES = (Organiser, Membership, Event, Activity, Company, Contact, Invitation, Response,
          Message, Feedback, Note)


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in TABLES}


def test_demo_data_loads_once_and_a_second_run_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert f"as {DEMO_EMAIL} with the password {DEMO_PASSWORD}" in first.output
    after_first = row_counts(app)
    assert after_first == {"Organiser": 3, "Membership": 3, "Event": 3, "Activity": 6,
                           "Company": 3, "Contact": 8, "Invitation": 20, "Response": 30,
                           "Message": 11, "Feedback": 11, "Note": 6}

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert row_counts(app) == after_first


def test_the_demo_team_has_an_owner_an_organiser_and_a_viewer_who_can_each_log_in(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    lines = result.output.splitlines()
    assert [member.role for member in DEMO_MEMBERS] == [Role.OWNER, Role.ORGANISER,
                                                        Role.VIEWER]
    for member in DEMO_MEMBERS:
        assert f"  as {member.email} with the password {member.password} " \
               f"({member.role.value})" in lines
    with app.app_context():
        owner = db.session.scalar(select(Organiser).where(Organiser.email == DEMO_EMAIL))
        roles = dict(db.session.execute(
            select(Organiser.email, Membership.role).join(Membership.organiser)
            .where(Membership.workspace_id == owner.workspace_id)).all())
        assert roles == {member.email: member.role for member in DEMO_MEMBERS}
        managed = db.session.scalars(select(Contact).where(
            Contact.workspace_id == owner.workspace_id)).all()
        looked_after = {c.name: c.looked_after_by.name for c in managed if c.looked_after_by}
        assert looked_after["Kari Nordmann"] == "Ingrid Haugen"  # through her company
        assert looked_after["Sarah Whitfield"] == "Jonas Eide"  # her own
        assert looked_after["Lena Hoffmann"] == "Jonas Eide"
        assert {"Ingrid Haugen", "Jonas Eide"} == set(looked_after.values())
    for member in DEMO_MEMBERS:
        browser = app.test_client()
        assert browser.submit("/auth/login", {"email": member.email,
                                              "password": member.password}).status_code == 302
        page = browser.get("/").get_data(as_text=True)
        assert DEMO_EVENT_TITLE in page
    viewer = app.test_client()
    viewer.submit("/auth/login", {"email": DEMO_MEMBERS[2].email,
                                  "password": DEMO_MEMBERS[2].password})
    with app.app_context():
        kari = db.session.scalar(select(Contact).where(Contact.name == "Kari Nordmann"))
        kari_id, nordlys_id = kari.id, kari.company_id
    page = viewer.get(f"/contacts/{kari_id}").get_data(as_text=True)
    assert "Prefers no small talk" in page  # a team note
    assert "Add note" not in page
    company = viewer.get(f"/contacts/companies/{nordlys_id}").get_data(as_text=True)
    assert "Framework agreement renewed" in company
    assert "Their budget for next year" not in company  # the owner's private note


def test_the_demo_event_is_the_stair_race_and_dinner_in_bergen(app):
    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.title == DEMO_EVENT_TITLE))
        assert event.title == DEMO_EVENT_TITLE
        assert event.timezone == "Europe/Oslo"
        assert event.owner.email == DEMO_EMAIL
        race, dinner = event.activities
        assert race.kind is ActivityKind.TIMED
        assert "908 steps" in race.notes and "Skansen" in race.place_name
        assert "Fløyen" in race.place_name
        assert dinner.kind is ActivityKind.STANDARD
        assert wall_clock(race.starts_at, "Europe/Oslo").time() == time(16, 0)
        assert wall_clock(dinner.starts_at, "Europe/Oslo").time() == time(19, 0)
        assert race.starts_at > datetime.now(UTC)


def test_the_demo_organiser_can_log_in_and_see_the_event(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    response = client.submit("/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert DEMO_EVENT_TITLE in page


def test_next_autumn_is_the_first_friday_of_october_ahead():
    assert next_autumn_friday(date(2026, 11, 23)) == date(2027, 10, 1)
    assert next_autumn_friday(date(2027, 3, 1)) == date(2027, 10, 1)
    assert next_autumn_friday(date(2028, 1, 5)) == date(2028, 10, 6)


def test_demo_data_is_refused_in_production(tmp_path):
    from config import ProductionConfig
    from eventplanner import create_app

    config = type("Prod", (ProductionConfig,), {
        "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    result = create_app(config).test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "not loaded in production" in result.output


def test_the_demo_has_a_leaderboard_with_personal_bests(app, client):
    from eventplanner.goals.services import GUESTS, standings

    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        last_year = db.session.scalars(select(Event).where(
            Event.title.startswith(DEMO_EVENT_TITLE + " ")).order_by(Event.id)).all()[-1]
        lines = {line.invitation.contact.name: line
                 for line in standings(last_year.activities[0], GUESTS)}
        assert lines["Kari Nordmann"].personal_best
        assert lines["Jürgen Weiß"].rank == 1
        assert not lines["Anders Holm"].personal_best  # the same time as the year before
        assert "Ola Bakken" not in lines  # he did not come that year
        event_id, race_id = last_year.id, last_year.activities[0].id
    client.submit("/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    page = client.get(f"/events/{event_id}/parts/{race_id}/results").get_data(as_text=True)
    assert "PB" in page and "<svg" in page


def test_the_demo_shows_an_nps_trend_and_guests_to_look_after(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    client.submit("/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.title == DEMO_EVENT_TITLE))
    feedback = client.get(f"/events/{event_id}/feedback").get_data(as_text=True)
    assert "Edition by edition" in feedback
    assert ">33</text>" in feedback and ">60</text>" in feedback
    dashboard = client.get("/").get_data(as_text=True)
    assert "Look after them at" in dashboard
    assert "Lena Hoffmann" in dashboard and "Ola Bakken" in dashboard
    assert "Kari Nordmann" not in dashboard.split("Look after them at", 1)[1].split(
        "</section>", 1)[0]

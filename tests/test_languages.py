"""The guest's language: the contact's, else the event's default, and their own choice on
the page, remembered for their invitation; dates formatted by Babel in each language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from eventplanner.extensions import db, utcnow


def page_language(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def guest_csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def invite(make_organiser, make_event, make_activity, make_contact, make_invitation):
    def invite(contact_language: str = "", event_language: str = "en"):
        event = make_event(owner=make_organiser(), status="published",
                           default_language=event_language)
        make_activity(event)
        return make_invitation(event, make_contact(event.owner, language=contact_language))
    return invite


@pytest.mark.parametrize("contact_language, event_language, expected", [
    ("nb", "de", "nb"),     # the contact's language wins
    ("", "de", "de"),       # else the event's default
    ("", "da", "da"),
])
def test_the_guest_page_speaks_the_contacts_language_else_the_events(
        client, invite, contact_language, event_language, expected):
    invitation = invite(contact_language, event_language)
    assert page_language(client.get(f"/r/{invitation.token}").get_data(as_text=True)) == expected


def test_the_guest_switches_language_and_it_is_remembered(app, client, invite):
    from eventplanner.invitations.models import Invitation

    invitation = invite("nb")
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert 'value="da" lang="da"' in page
    response = client.post(f"/r/{invitation.token}/language?back=guest_page",
                           data={"csrf_token": guest_csrf(page), "language": "da"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{invitation.token}")
    again = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert page_language(again) == "da"
    with app.app_context():
        assert db.session.scalar(select(Invitation.language)) == "da"


@pytest.mark.parametrize("fields, status", [
    ({"language": "xx"}, 422),
    ({"language": "da", "csrf_token": "forged"}, 400),
])
def test_a_bad_language_choice_changes_nothing(app, client, invite, fields, status):
    from eventplanner.invitations.models import Invitation

    invitation = invite("nb")
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    response = client.post(f"/r/{invitation.token}/language",
                           data={"csrf_token": guest_csrf(page), **fields})
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(Invitation.language)) == ""


def test_the_organiser_chooses_the_language_of_their_pages(app, make_organiser, log_in):
    from eventplanner.auth.models import Organiser

    organiser = log_in(make_organiser())
    assert page_language(organiser.get("/").get_data(as_text=True)) == "en"
    response = organiser.submit("/auth/profile", {"name": "Ingrid Haugen", "language": "de"})
    assert response.status_code == 302
    assert page_language(organiser.get("/").get_data(as_text=True)) == "de"
    assert organiser.submit("/auth/profile", {"name": "Ingrid", "language": "xx"}
                            ).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Organiser.language)) == "de"


def test_a_new_organiser_starts_in_the_browsers_language(app, client):
    from eventplanner.auth.models import Organiser

    client.get("/auth/register", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"})
    response = client.submit("/auth/register", {
        "name": "Mette", "email": "mette@example.dk", "password": "a-long-password",
        "confirm": "a-long-password"}, headers={"Accept-Language": "da-DK,da;q=0.9"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Organiser.language)) == "da"


@pytest.mark.parametrize("language, expected", [
    ("en", "Friday, October 1, 2027 at 16:00"),
    ("nb", "fredag 1. oktober 2027 kl. 16:00"),
    ("da", "fredag den 1. oktober 2027 kl. 16.00"),
    ("de", "Freitag, 1. Oktober 2027 um 16:00 Uhr"),
])
def test_dates_and_times_are_written_the_way_each_language_writes_them(app, language, expected):
    from datetime import datetime

    from flask_babel import force_locale

    from eventplanner.formatting import format_day_and_time, format_time_range
    from eventplanner.timezones import local_to_utc

    start = local_to_utc(datetime(2027, 10, 1, 16, 0), "Europe/Oslo")
    with app.test_request_context(), force_locale(language):
        assert format_day_and_time(start, "Europe/Oslo") == expected
        # The same instant on Berlin's clock is the same wall-clock time; in New York not.
        assert "10:00" in format_time_range(start, start, "America/New_York").replace(".", ":")


def a_friday_next_october() -> datetime:
    first = datetime(utcnow().year + 1, 10, 1, 12)
    return first + timedelta(days=(4 - first.weekday()) % 7)


@pytest.mark.parametrize("language, answer_by, yes, save", [
    ("nb", "Svar innen fredag {day}. oktober", "Ja", "Lagre svaret mitt"),
    ("da", "Svar senest fredag den {day}. oktober", "Ja", "Gem mit svar"),
    ("de", "Bitte antworten Sie bis Freitag, {day}. Oktober", "Ja", "Meine Antwort speichern"),
])
def test_the_guest_page_is_in_the_guests_language(
        client, make_organiser, make_event, make_activity, make_contact, make_invitation,
        language, answer_by, yes, save):
    deadline = a_friday_next_october()
    event = make_event(owner=make_organiser(), status="published", rsvp_deadline=deadline)
    make_activity(event, starts_at=deadline + timedelta(days=7))
    invitation = make_invitation(event, make_contact(event.owner, language=language))
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert answer_by.format(day=deadline.day) in page
    assert f">{yes}<" in page or f"{yes}</label>" in page
    assert save in page


@pytest.mark.parametrize("language, message", [
    ("da", "Ikke et gyldigt valg."),     # WTForms has no Danish: ours
    ("de", "Keine gültige Auswahl."),
    ("nb", "Ikke et gyldig valg."),
])
def test_a_guests_mistake_is_explained_in_their_language(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation,
        language, message):
    event = make_event(owner=make_organiser(), status="published")
    race = make_activity(event)
    invitation = make_invitation(event, make_contact(event.owner, language=language))
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    response = client.post(f"/r/{invitation.token}", data={
        "csrf_token": guest_csrf(page), f"part_{race.id}": "perhaps"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_every_email_a_guest_gets_is_in_their_language(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation,
        smtp_server, deliver_mail):
    from eventplanner.events.models import Event
    from eventplanner.feedback.services import request_feedback
    from eventplanner.invitations.reminders import send_reminders
    from eventplanner.mail.models import Message
    from tests.conftest import next_year_at

    event = make_event(owner=make_organiser(), status="published", title="Julemøte",
                       rsvp_deadline=next_year_at(9, 20, 12))
    race = make_activity(event)
    invitation = make_invitation(event, make_contact(event.owner, name="Mette",
                                                     language="da"), send=True)
    with app.app_context():
        send_reminders(db.session.get(Event, event.id), utcnow(), [invitation.id])
        db.session.commit()
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    client.post(f"/r/{invitation.token}", data={"csrf_token": guest_csrf(page),
                                                f"part_{race.id}": "yes"})
    with app.app_context():
        live = db.session.get(Event, event.id)
        request_feedback(live, live.ends_at + timedelta(hours=1))
        db.session.commit()
    deliver_mail()  # the batch emails are written by the worker
    assert len(smtp_server.messages) == 4
    with app.app_context():
        subjects = dict(db.session.execute(select(Message.kind, Message.subject)).all())
        bodies = {m.kind: m.body_text for m in db.session.scalars(select(Message))}
    assert subjects == {"invitation": "Invitation: Julemøte",
                        "reminder": "Påmindelse: Julemøte",
                        "confirmation": "Dit svar: Julemøte",
                        "feedback_request": "Hvordan var Julemøte?"}
    assert all(body.startswith("Kære Mette,") for body in bodies.values()), bodies
    assert "Svar senest" in bodies["invitation"]

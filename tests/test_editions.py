"""Series and the next edition of an event."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventplanner.events.models import Event, EventStatus
from eventplanner.events.services import same_weekday_a_year_on
from eventplanner.extensions import db
from eventplanner.invitations.models import Invitation
from eventplanner.timezones import wall_clock
from tests.conftest import next_year_at


def test_an_event_joins_a_series_by_name(app, log_in, make_organiser, make_event):
    owner = make_organiser()
    event = make_event(owner=owner)
    browser = log_in(owner)
    for name in ("Stoltzen", " stoltzen "):
        response = browser.submit(f"/events/{event.id}/edit", {
            "title": "Client race", "timezone": "Europe/Oslo", "default_language": "en",
            "status": "draft", "series_name": name})
        assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Event, event.id)
        assert saved.series.name == "Stoltzen", "the same series, whatever the spelling"
    assert "Series: Stoltzen" in browser.get(f"/events/{event.id}").get_data(as_text=True)


def test_the_next_edition_keeps_the_times_of_day_the_series_and_the_guests(
        app, log_in, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    owner = make_organiser()
    event = make_event(owner=owner, status="published", title="Stoltzen 2027")
    make_activity(event, name="Stair race", starts_at=next_year_at(10, 1, 16))
    make_activity(event, name="Dinner", kind="standard", starts_at=next_year_at(10, 1, 19))
    guest = make_contact(owner)
    make_invitation(event, guest, plus_ones_allowed=1, send=True)
    browser = log_in(owner)
    form = browser.get(f"/events/{event.id}/next-edition").get_data(as_text=True)
    year = next_year_at(1, 1, 0).year
    proposed = date(year, 10, 1) + timedelta(weeks=52)
    assert f'value="{proposed.isoformat()}"' in form, "the same weekday a year on"
    # October is summer time in Oslo, December winter time: 16:00 must stay 16:00.
    response = browser.submit(f"/events/{event.id}/next-edition", {
        "title": "Stoltzen Christmas edition", "first_day": f"{year + 1}-12-03",
        "reinvite": "y"})
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(Event).where(
            Event.title == "Stoltzen Christmas edition"))
        original = db.session.get(Event, event.id)
        assert copy.status is EventStatus.DRAFT
        assert copy.series is not None and copy.series_id == original.series_id
        race, dinner = copy.activities
        assert wall_clock(race.starts_at, "Europe/Oslo").date() == date(year + 1, 12, 3)
        assert wall_clock(race.starts_at, "Europe/Oslo").hour == 16
        assert wall_clock(dinner.starts_at, "Europe/Oslo").hour == 19
        [invitation] = db.session.scalars(select(Invitation).where(
            Invitation.event_id == copy.id)).all()
        assert (invitation.contact_id, invitation.plus_ones_allowed) == (guest.id, 1)
        assert invitation.sent_at is None, "nothing is sent for a draft"


def test_an_event_without_parts_cannot_be_copied(log_in, make_organiser, make_event):
    owner = make_organiser()
    event = make_event(owner=owner)
    response = log_in(owner).submit(f"/events/{event.id}/next-edition", {
        "title": "Again", "first_day": "2030-10-04"})
    assert response.status_code == 422
    assert "Add the parts before copying the event." in response.get_data(as_text=True)


@pytest.mark.parametrize("day, proposed", [
    (date(2027, 10, 1), date(2028, 9, 29)),    # a Friday race stays on a Friday (leap year)
    (date(2026, 9, 18), date(2027, 9, 17)),    # Friday, no leap day between
    (date(2028, 2, 29), date(2029, 2, 27)),    # 29 February: Tuesday to Tuesday
    (date(2027, 3, 1), date(2028, 2, 28)),     # across a 29 February: Monday to Monday
    (date(2027, 12, 31), date(2028, 12, 29)),  # New Year's Eve: Friday to Friday
    (date(2027, 1, 1), date(2027, 12, 31)),    # may fall in the same year
])
def test_the_next_edition_falls_on_the_same_weekday_nearest_the_anniversary(day, proposed):
    found = same_weekday_a_year_on(day)
    assert found == proposed
    assert found.weekday() == day.weekday() and found - day == timedelta(weeks=52)


def test_a_race_on_29_february_is_proposed_on_the_same_weekday_and_copied_there(
        app, log_in, make_organiser, make_event, make_activity):
    owner = make_organiser()
    event = make_event(owner=owner, title="Leap race")
    make_activity(event, starts_at=datetime(2028, 2, 29, 16))  # a Tuesday
    browser = log_in(owner)
    form = browser.get(f"/events/{event.id}/next-edition").get_data(as_text=True)
    assert 'value="2029-02-27"' in form and 'value="Leap race"' in form
    response = browser.submit(f"/events/{event.id}/next-edition", {
        "title": "Leap race 2029", "first_day": "2029-02-27"})
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(Event).where(Event.title == "Leap race 2029"))
        assert wall_clock(copy.activities[0].starts_at, "Europe/Oslo") == datetime(
            2029, 2, 27, 16)


@pytest.mark.parametrize("first_day, message", [
    ("2029-02-29", "Ikke en gyldig dato."),  # no 29 February in 2029
    ("9999-12-31", "Skriv inn en dag mellom år 1900 og 2200."),
    ("", "Skriv inn dagen den nye utgaven starter."),
])
def test_a_first_day_that_cannot_be_is_refused_in_the_organisers_language(
        app, log_in, make_organiser, make_event, make_activity, first_day, message):
    from eventplanner.auth.models import Organiser

    owner = make_organiser()
    event = make_event(owner=owner)
    make_activity(event, starts_at=datetime(2028, 2, 29, 16))
    with app.app_context():
        db.session.get(Organiser, owner.id).language = "nb"
        db.session.commit()
    response = log_in(owner).submit(f"/events/{event.id}/next-edition", {
        "title": "Again", "first_day": first_day})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1

"""Series and the next edition of an event."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from eventplanner.events.models import Event, EventStatus
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
    assert f'value="{year + 1}-10-01"' in form
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

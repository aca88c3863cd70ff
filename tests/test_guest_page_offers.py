"""What the guest's page offers and says, for the guest's own situation: no calendar file
for someone who is not coming, and after the deadline the right words for someone who never
answered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventplanner.extensions import db, utcnow
from tests.conftest import activity_ids, next_year_at


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    event = make_event(owner=make_organiser(), title="Stoltzen", status="published",
                       host_name="Ingrid Haugen", host_email="ingrid@example.com")
    make_activity(event, name="Stair race")
    make_activity(event, name="Dinner", starts_at=next_year_at(10, 1, 19),
                  ends_at=next_year_at(10, 1, 23))
    return event


@pytest.fixture
def guest(event, make_contact, make_invitation):
    return make_invitation(event, make_contact(event.owner), send=True)


def answer(client, app, event, invitation, race: str, dinner: str):
    race_id, dinner_id = activity_ids(app, event)
    response = client.submit(f"/r/{invitation.token}", {
        f"part_{race_id}": race, f"part_{dinner_id}": dinner,
        "dietary_needs": "", "message_to_host": ""})
    assert response.status_code in (200, 303)


def pass_the_deadline(app, event) -> None:
    from eventplanner.events.models import Event

    with app.app_context():
        live = db.session.get(Event, event.id)
        live.rsvp_deadline = utcnow() - timedelta(minutes=1)
        live.touch()
        db.session.commit()


CALENDAR_OFFERS = ("Add to calendar (.ics)", "calendar.ics", "calendar.google.com",
                   "outlook.live.com")


def test_a_guest_who_said_no_to_every_part_is_offered_no_calendar(app, client, event, guest):
    link = f"/r/{guest.token}"
    page = client.get(link).get_data(as_text=True)
    assert all(offer in page for offer in CALENDAR_OFFERS), "before answering: every part"

    answer(client, app, event, guest, race="no", dinner="no")
    page = client.get(link).get_data(as_text=True)
    assert [offer for offer in CALENDAR_OFFERS if offer in page] == []

    old_link = client.get(f"{link}/calendar.ics")  # from an earlier visit, say
    text = old_link.get_data(as_text=True)
    assert "You are not coming to any part, so there is nothing to add." in text
    assert f'href="{link}"' in text, "a way back to the invitation"


def test_a_guest_coming_to_one_part_is_offered_that_part_only(app, client, event, guest):
    answer(client, app, event, guest, race="no", dinner="maybe")
    page = client.get(f"/r/{guest.token}").get_data(as_text=True)
    assert "Add to calendar (.ics)" in page
    race, dinner = page.split('class="card activity-guest"')[1:3]
    assert "Stair race" in race and "calendar.google.com" not in race
    assert "Dinner" in dinner and "calendar.google.com" in dinner


def test_after_the_deadline_a_guest_who_never_answered_is_told_so(app, client, event, guest):
    pass_the_deadline(app, event)
    page = client.get(f"/r/{guest.token}").get_data(as_text=True)
    assert "The deadline for answers has passed." in page
    assert "Your answer above is what we have" not in page
    assert "We did not get an answer from you before the deadline." in page


def test_after_the_deadline_a_guest_who_answered_reads_that_their_answer_stands(
        app, client, event, guest):
    answer(client, app, event, guest, race="yes", dinner="no")
    pass_the_deadline(app, event)
    page = client.get(f"/r/{guest.token}").get_data(as_text=True)
    assert "Your answer above is what we have. To change it, contact the host." in page

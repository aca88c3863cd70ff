import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel import dates as babel_dates
from sqlalchemy import func, select

from eventplanner.events.models import Activity, ActivityKind, Event, EventStatus
from eventplanner.extensions import db
from tests.conftest import activity_ids, next_year_at

NEXT_YEAR = next_year_at(1, 1, 0).year


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def event_form(**overrides) -> dict:
    return {
        "title": "Stoltzen stair race and dinner",
        "description": "Race, then dinner.",
        "timezone": "Europe/Oslo",
        "rsvp_deadline": f"{NEXT_YEAR}-09-17T12:00",
        "default_language": "nb",
        "status": "published",
        "host_name": "Ingrid Haugen",
        "host_email": "ingrid@example.com",
        "host_phone": "+47 400 00 908",
        **overrides,
    }


def activity_form(**overrides) -> dict:
    return {
        "name": "Stair race",
        "kind": "timed",
        "starts_at": f"{NEXT_YEAR}-10-01T16:00",
        "ends_at": f"{NEXT_YEAR}-10-01T17:30",
        "place_name": "Skansen",
        "address": "Skansemyren, Bergen",
        "map_url": "https://www.openstreetmap.org/?mlat=60.39&mlon=5.33",
        "capacity": "40",
        "notes": "908 steps.",
        **overrides,
    }


@pytest.fixture
def organiser(make_organiser):
    return make_organiser(name="Ingrid Haugen")


@pytest.fixture
def organiser_client(log_in, organiser):
    return log_in(organiser)


def test_organiser_creates_an_event(app, organiser_client, organiser):
    response = organiser_client.submit("/events/new", event_form())
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert event.owner_id == organiser.id
        assert event.title == "Stoltzen stair race and dinner"
        assert event.status is EventStatus.PUBLISHED
        assert event.default_language == "nb"
        assert event.rsvp_deadline == datetime(NEXT_YEAR, 9, 17, 10, 0, tzinfo=UTC)
    assert response.headers["Location"] == f"/events/{event.id}"
    page = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stoltzen stair race and dinner" in page
    assert "Ingrid Haugen" in page and "+47 400 00 908" in page


def test_the_new_event_form_offers_the_zones_with_oslo_chosen(organiser_client):
    page = organiser_client.get("/events/new").get_data(as_text=True)
    assert '<option selected value="Europe/Oslo">Europe/Oslo</option>' in page
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "This field is required."),
    ("title", "   ", "This field is required."),
    ("timezone", "Europe/Atlantis", "Choose a time zone from the list"),
    ("rsvp_deadline", f"{NEXT_YEAR}-02-30T12:00", "Enter a date and time that exist"),
    ("rsvp_deadline", "tomorrow", "Enter a date and time that exist"),
    ("rsvp_deadline", f"{NEXT_YEAR}-03-28T02:30", "the clocks skip that hour"),
    ("host_email", "not an email", "Enter a valid email address."),
    ("status", "archived", "Not a valid choice"),
    ("default_language", "xx", "Not a valid choice"),
])
def test_a_bad_event_field_is_reported_and_nothing_is_saved(app, organiser_client, field, value,
                                                            message):
    response = organiser_client.submit("/events/new", event_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Event) == 0


def test_organiser_edits_an_event(app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser)
    page = organiser_client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Client race"' in page
    response = organiser_client.submit(f"/events/{event.id}/edit",
                                       event_form(title="Christmas meeting", status="cancelled"))
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Event, event.id)
        assert (saved.title, saved.status) == ("Christmas meeting", EventStatus.CANCELLED)


def test_a_failed_edit_changes_nothing(app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser, title="Client race")
    response = organiser_client.submit(f"/events/{event.id}/edit", event_form(title=""))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Event, event.id).title == "Client race"


def test_a_part_entered_at_16_in_oslo_is_stored_in_utc_and_shown_at_16(
        app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser)
    summer = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form())
    winter = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        name="Christmas dinner", kind="standard",
        starts_at=f"{NEXT_YEAR}-12-10T16:00", ends_at=f"{NEXT_YEAR}-12-10T22:00"))
    assert summer.status_code == winter.status_code == 302
    with app.app_context():
        race, dinner = db.session.scalars(select(Activity).order_by(Activity.starts_at))
        assert race.starts_at == datetime(NEXT_YEAR, 10, 1, 14, 0, tzinfo=UTC)
        assert race.ends_at == datetime(NEXT_YEAR, 10, 1, 15, 30, tzinfo=UTC)
        assert race.kind is ActivityKind.TIMED and race.capacity == 40
        assert dinner.starts_at == datetime(NEXT_YEAR, 12, 10, 15, 0, tzinfo=UTC)
        race_id = race.id
    page = organiser_client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "16:00" in page and "17:30" in page and "22:00" in page
    assert "14:00" not in page and "15:00" not in page
    form = organiser_client.get(f"/events/{event.id}/activities/{race_id}/edit").get_data(
        as_text=True)
    assert f'value="{NEXT_YEAR}-10-01T16:00"' in form


def test_parts_are_listed_in_time_order(organiser_client, organiser, make_event, make_activity):
    event = make_event(owner=organiser)
    make_activity(event, name="Dinner at the harbour", starts_at=next_year_at(10, 1, 19))
    make_activity(event, name="Stair race at Skansen", starts_at=next_year_at(10, 1, 16))
    page = organiser_client.get(f"/events/{event.id}").get_data(as_text=True)
    assert page.index("Stair race at Skansen") < page.index("Dinner at the harbour")


@pytest.mark.parametrize("overrides, message", [
    ({"ends_at": f"{NEXT_YEAR}-10-01T15:00"}, "The end must be after the start."),
    ({"ends_at": f"{NEXT_YEAR}-10-01T16:00"}, "The end must be after the start."),
    ({"capacity": "0"}, "Enter at least 1, or leave empty for no limit."),
    ({"capacity": "-3"}, "Enter at least 1, or leave empty for no limit."),
    ({"capacity": "many"}, "Not a valid integer value."),
    ({"starts_at": f"{NEXT_YEAR}-02-30T16:00"}, "Enter a date and time that exist"),
    ({"starts_at": ""}, "This field is required."),
    ({"starts_at": f"{NEXT_YEAR}-03-28T02:15", "ends_at": f"{NEXT_YEAR}-03-28T04:00"},
     "the clocks skip that hour"),
    ({"name": ""}, "This field is required."),
    ({"kind": "relay"}, "Not a valid choice"),
    ({"map_url": "javascript:alert(1)"}, "Enter a full web address"),
])
def test_a_bad_part_is_reported_and_nothing_is_saved(
        app, organiser_client, organiser, make_event, overrides, message):
    event = make_event(owner=organiser)
    response = organiser_client.submit(f"/events/{event.id}/activities/new",
                                       activity_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Activity) == 0


def test_a_part_without_capacity_has_no_limit(app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser)
    organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(capacity=""))
    with app.app_context():
        assert db.session.scalar(select(Activity.capacity)) is None
    assert "No capacity limit" in organiser_client.get(f"/events/{event.id}").get_data(as_text=True)


def test_organiser_edits_a_part(app, organiser_client, organiser, make_event, make_activity):
    event = make_event(owner=organiser)
    activity = make_activity(event)
    response = organiser_client.submit(f"/events/{event.id}/activities/{activity.id}/edit",
                                       activity_form(name="Dinner", kind="standard",
                                                     starts_at=f"{NEXT_YEAR}-10-01T19:00",
                                                     ends_at=f"{NEXT_YEAR}-10-01T23:00",
                                                     notes="Come as you are."))
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Activity, activity.id)
        assert (saved.name, saved.kind, saved.notes) == (
            "Dinner", ActivityKind.STANDARD, "Come as you are.")
        assert saved.starts_at == datetime(NEXT_YEAR, 10, 1, 17, 0, tzinfo=UTC)


def test_removing_a_part_asks_first(app, organiser_client, organiser, make_event, make_activity):
    event = make_event(owner=organiser)
    activity = make_activity(event, name="Stair race")
    question = organiser_client.get(f"/events/{event.id}/activities/{activity.id}/delete")
    assert question.status_code == 200
    assert "Remove Stair race?" in question.get_data(as_text=True)
    assert count(app, Activity) == 1
    response = organiser_client.submit(f"/events/{event.id}/activities/{activity.id}/delete")
    assert response.status_code == 302
    assert count(app, Activity) == 0


def test_dashboard_shows_upcoming_events_first_and_past_ones_below(
        organiser_client, organiser, make_event, make_activity):
    past = make_event(owner=organiser, title="Stoltzen 2020")
    make_activity(past, starts_at=datetime(2020, 10, 2, 16, 0))
    later = make_event(owner=organiser, title="Christmas meeting")
    make_activity(later, starts_at=next_year_at(12, 10, 18))
    sooner = make_event(owner=organiser, title="Autumn race")
    make_activity(sooner, starts_at=next_year_at(10, 1, 16))
    page = organiser_client.get("/").get_data(as_text=True)
    upcoming, past_section = page.split('id="past-heading"')
    assert upcoming.index("Autumn race") < upcoming.index("Christmas meeting")
    assert "Stoltzen 2020" in past_section
    assert f"Oct 1, {NEXT_YEAR}" in upcoming
    assert "Oct 2, 2020" in past_section


def test_dashboard_shows_only_the_organisers_own_events(make_organiser, log_in, make_event):
    mine, theirs = make_organiser(), make_organiser()
    make_event(owner=mine, title="My client dinner")
    make_event(owner=theirs, title="Their secret event")
    page = log_in(mine).get("/").get_data(as_text=True)
    assert "My client dinner" in page
    assert "Their secret event" not in page


def test_pages_need_a_login(client, make_event):
    event = make_event()
    for url in ("/", "/events/new", f"/events/{event.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


# --- the hour repeated when clocks go back -------------------------------------------------

def last_sunday(year: int, month: int, last_day: int) -> str:
    day = date(year, month, last_day)
    return (day - timedelta(days=(day.weekday() + 1) % 7)).isoformat()


#: The last Sunday of October: 02:00-02:59 happens twice in Europe/Oslo; of March: never.
FALL_BACK, SPRING_FORWARD = last_sunday(NEXT_YEAR, 10, 31), last_sunday(NEXT_YEAR, 3, 31)


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_time_in_the_skipped_hour_is_refused_with_a_clear_message(
        app, organiser_client, organiser, make_event, field):
    event = make_event(owner=organiser)
    times = {"starts_at": f"{SPRING_FORWARD}T01:00", "ends_at": f"{SPRING_FORWARD}T04:00",
             field: f"{SPRING_FORWARD}T02:30"}
    response = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(**times))
    assert response.status_code == 422 and count(app, Activity) == 0
    assert "02:30 does not exist in Europe/Oslo: the clocks skip that hour." in \
        response.get_data(as_text=True)


def stored_times(app) -> tuple[datetime, datetime]:
    with app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        return activity.starts_at, activity.ends_at


def checked_choice(page: str, name: str) -> str | None:
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_a_start_in_the_repeated_hour_asks_which_one_with_both_offsets(
        app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser)
    response = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        starts_at=f"{FALL_BACK}T02:30", ends_at=f"{FALL_BACK}T03:30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and count(app, Activity) == 0
    day = babel_dates.format_date(date.fromisoformat(FALL_BACK), "long", locale="en")
    assert f"02:30 happens twice on {day} in Europe/Oslo" in page
    assert "02:30 (CEST, UTC+02:00): the first time, before the clocks go back" in page
    assert "02:30 (CET, UTC+01:00): the second time, after the clocks go back" in page
    assert 'name="ends_at_fold"' not in page, "03:30 happens once: no question"


@pytest.mark.parametrize("fold, starts_at_utc, shown", [
    ("0", "00:30", "02:30 CEST – 03:30 CET"),
    ("1", "01:30", "02:30 – 03:30"),
])
def test_the_organiser_chooses_which_0230_and_sees_the_right_offsets(
        app, organiser_client, organiser, make_event, fold, starts_at_utc, shown):
    event = make_event(owner=organiser)
    response = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        starts_at=f"{FALL_BACK}T02:30", starts_at_fold=fold, ends_at=f"{FALL_BACK}T03:30"))
    assert response.status_code == 302
    starts_at, ends_at = stored_times(app)
    assert f"{starts_at:%H:%M}" == starts_at_utc and f"{ends_at:%H:%M}" == "02:30"
    page = organiser_client.get(f"/events/{event.id}").get_data(as_text=True)
    assert shown in page.replace("\u2009", " ")

    edit = f"/events/{event.id}/activities/{activity_ids(app, event)[0]}/edit"
    form = organiser_client.get(edit)
    assert checked_choice(form.get_data(as_text=True), "starts_at_fold") == fold, \
        "the edit form shows which one is stored"
    saved = organiser_client.submit(edit, activity_form(
        name="Night run", starts_at=f"{FALL_BACK}T02:30", starts_at_fold=fold,
        ends_at=f"{FALL_BACK}T03:30"))
    assert saved.status_code == 302 and stored_times(app) == (starts_at, ends_at)


def test_a_part_can_end_in_the_second_0215_after_starting_at_the_first_0245(
        app, organiser_client, organiser, make_event):
    event = make_event(owner=organiser)
    response = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        starts_at=f"{FALL_BACK}T02:45", starts_at_fold="0",
        ends_at=f"{FALL_BACK}T02:15", ends_at_fold="1"))
    assert response.status_code == 302
    starts_at, ends_at = stored_times(app)
    assert ends_at - starts_at == timedelta(minutes=30)
    refused = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        starts_at=f"{FALL_BACK}T02:45", starts_at_fold="1",
        ends_at=f"{FALL_BACK}T02:15", ends_at_fold="1"))
    assert "The end must be after the start." in refused.get_data(as_text=True)


@pytest.mark.parametrize("moment", ["9999-12-31T23:30", "0001-01-01T00:30"])
def test_a_date_outside_the_years_a_clock_can_work_out_is_refused(
        app, organiser_client, organiser, make_event, moment):
    event = make_event(owner=organiser, timezone="America/Santiago")
    response = organiser_client.submit(f"/events/{event.id}/activities/new", activity_form(
        starts_at=moment, ends_at=moment))
    assert response.status_code == 422 and count(app, Activity) == 0
    assert "Enter a date and time that exist" in response.get_data(as_text=True)


def test_a_reminder_without_an_answer_by_date_is_refused(app, organiser_client):
    response = organiser_client.submit("/events/new", event_form(rsvp_deadline="",
                                                        reminder_days_before="3"))
    assert response.status_code == 422
    assert "A reminder needs an answer-by date." in response.get_data(as_text=True)
    assert count(app, Event) == 0

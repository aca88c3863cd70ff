from datetime import UTC, datetime

import pytest

from eventplanner.access import events_for, get_event_for
from eventplanner.errors import InvalidState, NotFound
from eventplanner.events import services
from eventplanner.events.models import ActivityKind
from eventplanner.extensions import db, utcnow
from tests.conftest import next_year_at


def details(**overrides) -> services.EventDetails:
    return services.EventDetails(**{"title": "Client race", "timezone": "Europe/Oslo",
                                    **overrides})


def part(**overrides) -> services.ActivityDetails:
    return services.ActivityDetails(**{
        "name": "Stair race", "kind": ActivityKind.TIMED,
        "starts_at": next_year_at(10, 1, 16), "ends_at": next_year_at(10, 1, 17, 30),
        **overrides})


def test_changing_the_zone_keeps_the_parts_on_the_same_wall_clock(app_ctx, make_organiser):
    event = services.create_event(make_organiser(), details(
        rsvp_deadline=next_year_at(9, 17, 12)))
    race = services.add_activity(event, part())
    services.change_event(event, details(timezone="Europe/London",
                                         rsvp_deadline=next_year_at(9, 17, 12)), utcnow())
    db.session.commit()
    year = next_year_at(1, 1, 0).year
    assert race.starts_at == datetime(year, 10, 1, 15, 0, tzinfo=UTC)
    assert services.activity_details_of(race).starts_at == next_year_at(10, 1, 16)
    assert event.rsvp_deadline == datetime(year, 9, 17, 11, 0, tzinfo=UTC)


def test_a_zone_change_that_would_land_a_part_in_a_skipped_hour_is_refused(
        app_ctx, make_organiser):
    year = next_year_at(1, 1, 0).year
    event = services.create_event(make_organiser(), details(timezone="UTC"))
    # 02:30 on the last Sunday of March exists in UTC but not in Oslo.
    last_sunday = max(datetime(year, 3, day) for day in range(25, 32)
                      if datetime(year, 3, day).weekday() == 6)
    services.add_activity(event, part(starts_at=last_sunday.replace(hour=2, minute=30),
                                      ends_at=last_sunday.replace(hour=4)))
    with pytest.raises(InvalidState, match="skip"):
        services.change_event(event, details(timezone="Europe/Oslo"), utcnow())


@pytest.mark.parametrize("overrides", [
    {"ends_at": next_year_at(10, 1, 15)},
    {"ends_at": next_year_at(10, 1, 16)},
    {"capacity": 0},
    {"capacity": -1},
])
def test_services_refuse_impossible_parts(app_ctx, make_organiser, overrides):
    event = services.create_event(make_organiser(), details())
    with pytest.raises(InvalidState):
        services.add_activity(event, part(**overrides))
    assert event.activities == []


def test_dashboard_sections_split_and_order_events(app_ctx, make_organiser):
    organiser = make_organiser()
    now = datetime(2027, 6, 1, tzinfo=UTC)
    past = services.create_event(organiser, details(title="2026"))
    services.add_activity(past, part(starts_at=datetime(2026, 10, 2, 16),
                                     ends_at=datetime(2026, 10, 2, 18)))
    later = services.create_event(organiser, details(title="Christmas"))
    services.add_activity(later, part(starts_at=datetime(2027, 12, 10, 18),
                                      ends_at=datetime(2027, 12, 10, 22)))
    sooner = services.create_event(organiser, details(title="Race"))
    services.add_activity(sooner, part(starts_at=datetime(2027, 10, 1, 16),
                                       ends_at=datetime(2027, 10, 1, 18)))
    draft = services.create_event(organiser, details(title="Idea"))
    db.session.commit()
    upcoming, past_events = services.dashboard_sections(events_for(organiser), now)
    assert [e.title for e in upcoming] == ["Race", "Christmas", "Idea"]
    assert [e.title for e in past_events] == ["2026"]
    assert draft.starts_at is None


def test_an_event_of_another_organiser_is_not_found(app_ctx, make_organiser):
    event = services.create_event(make_organiser(), details())
    db.session.commit()
    with pytest.raises(NotFound):
        get_event_for(make_organiser(), event.id)


def test_a_member_of_the_team_is_not_added_as_an_outside_person(app_ctx, make_organiser):
    owner = make_organiser(email="owner@example.com")
    event = services.create_event(owner, details())
    with pytest.raises(services.AlreadyInTheTeam):
        services.add_co_organiser(event, owner, "owner@example.com")
    assert event.co_organisers == []


def test_statuses_and_kinds_stay_enums_and_text_is_trimmed(app_ctx, make_organiser):
    from eventplanner.events.models import EventStatus

    event = services.create_event(make_organiser(), details(
        title="  Client race  ", status=EventStatus.PUBLISHED))
    race = services.add_activity(event, part(name=" Stair race "))
    assert event.status is EventStatus.PUBLISHED
    assert race.kind is ActivityKind.TIMED
    assert (event.title, race.name) == ("Client race", "Stair race")

"""Events and parts through the API: made, read, changed with ``If-Match``, a capacity that
the confirmed places refuse, parts removed and reported as tombstones, and what a token of
another workspace or with read scopes only gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventplanner.audit.models import AuditEntry
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import AnswerStatus, Response
from eventplanner.mail.models import Message
from tests.conftest import bearer

EVENTS = "/api/v1/events"


def moment(days: int, hour: int = 16) -> str:
    """An instant ``days`` from now at ``hour``:00 UTC, as the API writes it."""
    day = (utcnow() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) \
        .isoformat().replace("+00:00", "Z")


@pytest.fixture
def owner(make_organiser):
    return make_organiser()


@pytest.fixture
def token(make_api_token, owner):
    return bearer(make_api_token(owner=owner))


def make_event(client, token, **fields) -> dict:
    made = client.post(EVENTS, json={"title": "Client race", "timezone": "Europe/Oslo",
                                     **fields}, headers=token)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def add_part(client, token, event_id: int, **fields) -> dict:
    made = client.post(f"{EVENTS}/{event_id}/parts", json={
        "name": "Dinner", "starts_at": moment(40, 16), "ends_at": moment(40, 19),
        **fields}, headers=token)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_an_event_and_its_parts_are_made_read_and_listed(app, client, token, owner):
    made = client.post(EVENTS, json={
        "title": "Stoltzen 2027", "timezone": "Europe/Oslo", "status": "published",
        "rsvp_deadline": moment(30, 22), "host_email": "host@example.com",
        "series": "Stoltzen", "default_language": "nb"}, headers=token)
    assert made.status_code == 201, made.get_json()
    event = made.get_json()
    assert event["owner_id"] == owner.id and event["series"] == "Stoltzen"
    assert event["series_id"] and event["status"] == "published"
    assert event["rsvp_deadline"] == moment(30, 22)
    assert event["starts_at"] is None
    read = client.get(made.headers["Location"], headers=token)
    assert read.status_code == 200 and read.get_json() == event
    assert read.headers["ETag"]

    part = add_part(client, token, event["id"], kind="timed", capacity=40.0,
                    latitude=60.39, longitude=5.32, map_url="https://example.com/map")
    assert part["kind"] == "timed" and part["capacity"] == 40
    assert part["starts_at"] == moment(40, 16)
    assert client.get(f"{EVENTS}/{event['id']}/parts/{part['id']}",
                      headers=token).get_json() == part
    listed = client.get(f"{EVENTS}/{event['id']}/parts", headers=token).get_json()
    assert [p["id"] for p in listed["data"]] == [part["id"]]
    events = client.get(EVENTS, headers=token).get_json()["data"]
    assert [e["id"] for e in events] == [event["id"]]
    assert events[0]["starts_at"] == part["starts_at"]
    assert client.get(EVENTS + "?status=draft", headers=token).get_json()["data"] == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "part.added")) == 1


def test_a_change_with_a_stale_etag_is_refused_and_a_fresh_one_goes_through(client, token):
    event = make_event(client, token)
    url = f"{EVENTS}/{event['id']}"
    etag = client.get(url, headers=token).headers["ETag"]
    first = client.patch(url, json={"title": "Client race 2027"},
                         headers={**token, "If-Match": etag})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["title"] == "Client race 2027"
    stale = client.patch(url, json={"title": "Overwritten"},
                         headers={**token, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    fresh_tag = client.get(url, headers=token).headers["ETag"]
    assert client.get(url, headers=token).get_json()["title"] == "Client race 2027"
    fresh = client.patch(url, json={"description": "Up the stairs"},
                         headers={**token, "If-Match": fresh_tag})
    assert fresh.status_code == 200
    assert fresh.get_json()["title"] == "Client race 2027", "what was not sent stays"


def test_a_new_time_zone_keeps_the_parts_on_the_local_clock(client, token):
    event = make_event(client, token, timezone="Europe/Oslo")
    part = add_part(client, token, event["id"], starts_at="2031-06-10T14:00:00Z",
                    ends_at="2031-06-10T16:00:00Z")  # 16:00 in Oslo (summer time)
    changed = client.patch(f"{EVENTS}/{event['id']}", json={"timezone": "Europe/London"},
                           headers=token)
    assert changed.status_code == 200, changed.get_json()
    moved = client.get(f"{EVENTS}/{event['id']}/parts/{part['id']}", headers=token)
    assert moved.get_json()["starts_at"] == "2031-06-10T15:00:00Z"  # 16:00 in London
    assert moved.get_json()["sequence"] == part["sequence"] + 1


def test_a_capacity_below_the_confirmed_places_is_refused_and_nothing_changes(
        app, client, token, owner, make_contact, make_invitation):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"], capacity=3)
    with app.app_context():
        live = db.session.get(Event, event["id"])
    for _ in range(2):
        invitation = make_invitation(live, make_contact(owner))
        answered = client.put(
            f"{EVENTS}/{event['id']}/invitations/{invitation.id}/answers",
            json={"answers": [{"part_id": part["id"], "status": "yes"}]}, headers=token)
        assert answered.status_code == 200, answered.get_json()
    url = f"{EVENTS}/{event['id']}/parts/{part['id']}"
    refused = client.patch(url, json={"capacity": 1, "name": "Smaller dinner"},
                           headers=token)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert "2" in refused.get_json()["detail"]
    unchanged = client.get(url, headers=token).get_json()
    assert (unchanged["capacity"], unchanged["name"]) == (3, "Dinner")
    allowed = client.patch(url, json={"capacity": 2}, headers=token)
    assert allowed.status_code == 200 and allowed.get_json()["capacity"] == 2


def test_a_higher_capacity_gives_the_place_to_the_first_in_line(
        app, client, token, owner, make_contact, make_invitation):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"], capacity=1)
    with app.app_context():
        live = db.session.get(Event, event["id"])
    first, second = (make_invitation(live, make_contact(owner)) for _ in range(2))
    for invitation in (first, second):
        client.put(f"{EVENTS}/{event['id']}/invitations/{invitation.id}/answers",
                   json={"answers": [{"part_id": part["id"], "status": "yes"}]},
                   headers=token)
    raised = client.patch(f"{EVENTS}/{event['id']}/parts/{part['id']}",
                          json={"capacity": 2}, headers=token)
    assert raised.status_code == 200
    assert raised.headers["X-Promoted-From-Waitlist"] == "1"
    with app.app_context():
        assert db.session.scalar(select(Response.status).where(
            Response.invitation_id == second.id)) is AnswerStatus.YES
        assert db.session.scalar(select(func.count()).select_from(Message).where(
            Message.invitation_id == second.id, Message.kind == "waitlist_promoted")) == 1


def test_a_removed_part_is_a_tombstone_in_the_next_sync(app, client, token):
    event = make_event(client, token)
    kept = add_part(client, token, event["id"], name="Race")
    removed = add_part(client, token, event["id"], name="Dinner")
    since = (utcnow() - timedelta(seconds=1)).isoformat()
    gone = client.delete(f"{EVENTS}/{event['id']}/parts/{removed['id']}", headers=token)
    assert gone.status_code == 204
    assert client.get(f"{EVENTS}/{event['id']}/parts/{removed['id']}",
                      headers=token).status_code == 404
    changed = client.patch(f"{EVENTS}/{event['id']}/parts/{kept['id']}",
                           json={"place_name": "Fløyen"}, headers=token)
    assert changed.status_code == 200
    page = client.get(f"{EVENTS}/{event['id']}/parts",
                      query_string={"updated_since": since}, headers=token).get_json()
    assert [p["id"] for p in page["data"]] == [kept["id"]]
    assert [(t["id"], t["reason"]) for t in page["deleted"]] == [(removed["id"], "deleted")]


def test_another_workspaces_event_and_parts_are_not_found(client, token, make_api_token,
                                                            make_organiser):
    event = make_event(client, token)
    part = add_part(client, token, event["id"])
    stranger = bearer(make_api_token(owner=make_organiser()))
    for url in (f"{EVENTS}/{event['id']}", f"{EVENTS}/{event['id']}/parts",
                f"{EVENTS}/{event['id']}/parts/{part['id']}"):
        response = client.get(url, headers=stranger)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"
    assert client.patch(f"{EVENTS}/{event['id']}", json={"title": "Mine"},
                        headers=stranger).status_code == 404
    assert client.get(EVENTS, headers=stranger).get_json()["data"] == []


def test_an_event_shared_with_an_outsider_is_not_reached_by_their_token(
        app, client, token, make_organiser, make_api_token):
    from eventplanner.auth.models import Organiser
    from eventplanner.events.services import add_co_organiser

    event = make_event(client, token)
    partner = make_organiser()
    with app.app_context():
        live = db.session.get(Event, event["id"])
        add_co_organiser(live, live.owner, partner.email)
        db.session.commit()
        assert db.session.get(Organiser, partner.id) in live.co_organisers
    theirs = bearer(make_api_token(owner=partner))
    assert client.get(f"{EVENTS}/{event['id']}", headers=theirs).status_code == 404
    assert client.get(EVENTS, headers=theirs).get_json()["data"] == []


def test_a_part_of_another_event_is_not_found(client, token):
    first, second = make_event(client, token), make_event(client, token, title="Other")
    part = add_part(client, token, second["id"])
    assert client.get(f"{EVENTS}/{first['id']}/parts/{part['id']}",
                      headers=token).status_code == 404
    assert client.patch(f"{EVENTS}/{first['id']}/parts/{part['id']}", json={"capacity": 5},
                        headers=token).status_code == 404


def test_a_read_only_token_may_not_change_events(client, token, make_api_token, owner):
    event = make_event(client, token)
    reader = bearer(make_api_token(owner=owner, scopes=("events:read", "guests:read")))
    assert client.get(f"{EVENTS}/{event['id']}", headers=reader).status_code == 200
    for response in (client.post(EVENTS, json={"title": "x"}, headers=reader),
                     client.patch(f"{EVENTS}/{event['id']}", json={"title": "x"},
                                  headers=reader),
                     client.post(f"{EVENTS}/{event['id']}/parts", json={}, headers=reader)):
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("body", "fields"), [
    ({"title": "Race", "colour": "red"}, {"colour"}),
    ({"title": 5}, {"title"}),
    ({"title": "Race", "timezone": "Mars/Olympus"}, {"timezone"}),
    ({"title": "Race", "status": "maybe"}, {"status"}),
    ({"title": "Race", "rsvp_deadline": "next friday"}, {"rsvp_deadline"}),
    ({"title": "Race", "rsvp_deadline": "0001-01-01T00:00:00Z"}, {"rsvp_deadline"}),
    ({"title": "Race", "reminder_days_before": "3"}, {"reminder_days_before"}),
    ({"title": "Race", "reminder_days_before": 2.5}, {"reminder_days_before"}),
    ({"title": "Race", "reminder_days_before": 3}, {"reminder_days_before"}),
    ({"title": "Race", "alarm_minutes_before": 45}, {"alarm_minutes_before"}),
    ({"title": "Race", "feedback_question_is_rating": 1}, {"feedback_question_is_rating"}),
    ({"title": "Race", "host_email": "nobody"}, {"host_email"}),
    ({"title": "Race", "default_language": "xx"}, {"default_language"}),
    ({"title": "x" * 201}, {"title"}),
    ({}, {"title"}),
])
def test_wrong_event_input_is_a_problem_per_field_and_nothing_is_made(app, client, token,
                                                                      body, fields):
    response = client.post(EVENTS, json=body, headers=token)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == fields
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T15:00:00Z"}, "ends_at"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "capacity": 0}, "capacity"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "capacity": 10**12}, "capacity"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "latitude": 60.0}, "longitude"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "latitude": "60", "longitude": 5}, "latitude"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "kind": "party"}, "kind"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z",
      "ends_at": "2031-06-10T18:00:00Z", "map_url": "javascript:alert(1)"}, "map_url"),
    ({"name": "Dinner", "starts_at": "2031-06-10T16:00:00Z"}, "ends_at"),
])
def test_wrong_part_input_is_a_problem_per_field(app, client, token, body, field):
    event = make_event(client, token)
    response = client.post(f"{EVENTS}/{event['id']}/parts", json=body, headers=token)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_the_openapi_document_lists_the_events_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/events", "/api/v1/events/{event_id}",
            "/api/v1/events/{event_id}/parts/{part_id}"} <= set(document["paths"])
    change = document["paths"]["/api/v1/events/{event_id}"]["patch"]
    assert change["security"] == [{"bearerAuth": ["events:write"]}]


def test_a_change_without_a_body_is_refused_and_changes_nothing(client, token):
    event = make_event(client, token)
    part = add_part(client, token, event["id"])
    for url in (f"{EVENTS}/{event['id']}", f"{EVENTS}/{event['id']}/parts/{part['id']}"):
        before = client.get(url, headers=token).get_json()
        response = client.patch(url, headers=token)
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"_schema": [
            "Send the fields to change as JSON."]}
        assert client.get(url, headers=token).get_json() == before


def test_a_list_of_events_costs_the_same_queries_for_two_events_as_for_twelve(app, client,
                                                                             token):
    from tests.conftest import statements_run

    def queries() -> int:
        with statements_run(app) as statements:
            assert client.get(EVENTS, headers=token).status_code == 200
        return len(statements)

    def make(number: int) -> None:
        for _ in range(number):
            event = make_event(client, token, series="Stoltzen")
            add_part(client, token, event["id"])

    make(2)
    few = queries()
    make(10)
    assert queries() == few

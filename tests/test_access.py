"""Who may see what: every organiser route, walked from the URL map, per viewer.

The owner has a private event (a race with a guest, a goal, a result, feedback, a note, an
email, a check-in helper and a co-organiser of its own) and this year's edition of the same
series, which a colleague co-organises. Every organiser route is tried against the private
event by each viewer, and each pair is its own test, so a failure names both:

- ``owner``: opens every page of it (proof that the addresses are right);
- ``co-organiser``: the colleague, co-organiser of the owner's other event: 404 everywhere;
- ``stranger``: an organiser with no part in it: 404 everywhere;
- ``helper-link``: someone who opened the private event's check-in link: the login page;
- ``visitor``: nobody logged in: the login page.

New routes are covered without editing this file. The pages a viewer may open (their own
lists, the colleague's event) must show nothing of the private event. All requests are
refusals, so the world is built once per backend and checked unchanged after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import NamedTuple

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from config import TestConfig
from eventplanner import create_app
from eventplanner.extensions import db, utcnow
from tests.conftest import PASSWORD, FormClient, app_for, empty_database

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.register", "auth.check_your_email",
                    "auth.forgot_password", "auth.second_factor", "health"}
#: Guest pages, the calendar feed and account links: the token in the address is the key.
TOKEN_BLUEPRINTS = ("rsvp.", "calendar.feed", "door.", "auth.confirm_address",
                    "auth.choose_new_password", "joining.")
#: Words that exist only in the private event: no page of another viewer may show them.
PRIVATE_WORDS = ("Private dinner", "47:11", "Private aim", "Private soup", "A private note")
#: Ids that name something inside an event (a part, a guest...), not the event itself.
CHILD_IDS = {"activity_id", "invitation_id", "goal_id", "helper_id"}
#: Ids of things outside any event, which only their organiser opens (a login: ends).
ADDRESS_BOOK_IDS = {"contact_id", "company_id", "note_id", "login_id"}


class Route(NamedTuple):
    endpoint: str
    method: str
    arguments: frozenset[str]


def organiser_routes() -> list[Route]:
    """Every (route, method) that needs a logged-in organiser, from the app's URL map."""
    app = create_app(TestConfig)
    return sorted(Route(rule.endpoint, method, frozenset(rule.arguments))
                  for rule in app.url_map.iter_rules()
                  if rule.endpoint not in PUBLIC_ENDPOINTS
                  and not rule.endpoint.startswith(TOKEN_BLUEPRINTS)
                  for method in rule.methods - {"HEAD", "OPTIONS"})


ROUTES = organiser_routes()


def url_for_route(app: Flask, route: Route, ids: dict) -> str:
    rule = next(app.url_map.iter_rules(route.endpoint))
    return rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]


def matrix() -> Iterator:
    """(viewer, route) pairs with what the viewer must get, named ``route-METHOD-viewer``."""
    for route in ROUTES:
        cases = ["visitor", "helper-link"]
        if route.arguments:
            cases += ["stranger", "co-organiser"]
            if route.method == "GET":
                cases.append("owner")
        for viewer in cases:
            yield pytest.param(viewer, route, id=f"{route.endpoint}-{route.method}-{viewer}")


# --- the world: built once per backend -----------------------------------------------------

class World(NamedTuple):
    app: Flask
    private: dict
    shared: dict
    clients: dict[str, FormClient]
    tokens: dict[str, str]


def build_world(app: Flask) -> tuple[dict, dict]:
    """The owner's private event and the shared edition; returns the ids of each."""
    from eventplanner.auth.models import Login
    from eventplanner.auth.services import register_organiser, start_login
    from eventplanner.checkin.services import add_helper, helper_token
    from eventplanner.contacts.services import ContactDetails, create_contact
    from eventplanner.events.models import ActivityKind, EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        EventDetails,
        add_activity,
        add_co_organiser,
        create_event,
    )
    from eventplanner.feedback.relationships import add_note
    from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result, set_goal
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.links import invitation_token
    from eventplanner.invitations.models import AnswerStatus
    from eventplanner.mail.models import Message

    with app.app_context():
        people = {role: register_organiser(name, f"{role}@example.com", PASSWORD)
                  for role, name in (("owner", "Olivia Owner"), ("colleague", "Colin Colleague"),
                                     ("stranger", "Stella Stranger"), ("pia", "Pia Partner"))}
        client = create_contact(people["owner"], ContactDetails(
            name="Carl Client", email="carl@client.example", company_name="Client AS"))
        worlds = {}
        for key, title, start, partner, time in (
                ("private", "Private dinner", datetime(utcnow().year - 1, 9, 5, 16), "pia",
                 "47:11"),
                ("shared", "Shared race", datetime(utcnow().year + 1, 9, 5, 16), "colleague",
                 "45:00")):
            event = create_event(people["owner"], EventDetails(
                title=title, timezone="Europe/Oslo", status=EventStatus.PUBLISHED,
                series_name="Stoltzen"))
            race = add_activity(event, ActivityDetails(
                name="Stair race", kind=ActivityKind.TIMED, starts_at=start,
                ends_at=start + timedelta(hours=1)))
            add_co_organiser(event, people["owner"], f"{partner}@example.com")
            [invitation] = invite_contacts(event, people["owner"], [client.id], 0, send=True,
                                           now=utcnow()).invited
            respond_to_invitation(invitation, GuestAnswer({race.id: AnswerStatus.YES}),
                                  utcnow(), changed_by="organiser")
            goal = set_goal(invitation, race, "46:00", "", f"{title.split()[0]} aim")
            record_result(race, invitation, ResultStatus.FINISHED, time)
            helper = add_helper(event, "Door helper")
            db.session.flush()
            worlds[key] = {
                "event_id": event.id, "activity_id": race.id, "invitation_id": invitation.id,
                "goal_id": goal.id, "helper_id": helper.id, "organiser_id": people[partner].id,
                "helper_token": helper_token(helper), "token": invitation_token(invitation),
                "message_id": db.session.scalar(select(func.min(Message.id)).where(
                    Message.event_id == event.id))}
            if key == "private":
                submit_feedback(invitation, FeedbackAnswer(score=2, do_better="Private soup"),
                                event.ends_at + timedelta(hours=1))
        note = add_note("A private note", date(2026, 1, 1), contact=client)
        start_login(people["owner"])  # the owner, logged in on another device
        db.session.commit()
        owners_login = db.session.scalar(select(func.max(Login.id)))
        address_book = {"contact_id": client.id, "company_id": client.company_id,
                        "note_id": note.id, "login_id": owners_login}
        # The owner's team: the workspace, a member (the owner) and a pending invitation.
        owner = people["owner"]
        address_book |= {"workspace_id": owner.workspace_id, "member_id": owner.id,
                         "join_id": _pending_join_invitation(owner)}
        return {**worlds["private"], **address_book}, {**worlds["shared"], **address_book}


def _pending_join_invitation(owner) -> int:
    from eventplanner.auth.models import Role
    from eventplanner.team.services import invite_member

    sent = invite_member(owner.membership.workspace, owner, "newcomer@example.com",
                         Role.VIEWER, utcnow(), lambda token: token)
    db.session.commit()
    return sent.invitation.id


def fingerprint(app: Flask) -> list:
    """What a refused request must leave as it was."""
    with app.app_context():
        return db.session.execute(text(
            "SELECT (SELECT count(*) FROM event), (SELECT min(title) FROM event), "
            "(SELECT count(*) FROM activity), "
            "(SELECT count(*) FROM invitation WHERE revoked_at IS NULL), "
            "(SELECT count(*) FROM relationship_note), (SELECT count(*) FROM contact), "
            "(SELECT count(*) FROM event_co_organiser), (SELECT count(*) FROM message), "
            "(SELECT count(*) FROM check_in_helper WHERE revoked_at IS NULL), "
            "(SELECT min(organiser_comment) FROM goal)")).one()


def logged_in(app: Flask, email: str) -> FormClient:
    app.test_client_class = FormClient
    client = app.test_client()
    response = client.submit("/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture(scope="module")
def world(backend, tmp_path_factory) -> Iterator[World]:
    """One app and database for the whole module (per backend), left empty afterwards."""
    import shutil

    if backend.name == "sqlite":
        copy = tmp_path_factory.mktemp("access") / "access.db"
        shutil.copyfile(backend.url, copy)
        app = app_for(f"sqlite:///{copy}")
    else:
        app = app_for(backend.url)
    private, shared = build_world(app)
    clients = {role: logged_in(app, f"{email}@example.com") for role, email in (
        ("owner", "owner"), ("co-organiser", "colleague"), ("stranger", "stranger"))}
    app.test_client_class = FormClient
    clients["visitor"], clients["helper-link"] = app.test_client(), app.test_client()
    assert clients["helper-link"].get(f"/door/{private['helper_token']}/").status_code == 200
    tokens = {role: client.csrf_token() for role, client in clients.items()}
    yield World(app, private, shared, clients, tokens)
    empty_database(app, backend)


@pytest.fixture
def untouched(world: World) -> Iterator[None]:
    """The test's requests leave the world as they found it (checked after each test, so
    a test that changes something fails alone)."""
    before = fingerprint(world.app)
    yield
    assert fingerprint(world.app) == before, "a refused request changed something"


def attempt(world: World, viewer: str, route: Route, ids: dict):
    data = {"csrf_token": world.tokens[viewer], "email": "stranger@example.com",
            "title": "Hijacked", "timezone": "UTC", "name": "Hijacked", "comment": "Hijacked",
            "text": "Hijacked", "noted_on": "2026-01-01"}
    return world.clients[viewer].open(url_for_route(world.app, route, ids),
                                      method=route.method, data=data)


# --- the matrix -----------------------------------------------------------------------------

@pytest.mark.parametrize("viewer, route", list(matrix()))
def test_a_route_of_the_owners_private_event_answers_each_viewer_as_it_should(
        world, untouched, viewer, route):
    response = attempt(world, viewer, route, world.private)
    body = response.get_data(as_text=True)
    if viewer in ("visitor", "helper-link"):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    elif viewer == "owner":
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert "Page not found" in body
        assert not [word for word in PRIVATE_WORDS if word in body]


OWN_PAGES = [pytest.param(viewer, route, id=f"{route.endpoint}-{viewer}")
             for route in ROUTES if route.method == "GET"
             and not route.arguments & ADDRESS_BOOK_IDS
             for viewer in (("co-organiser", "stranger") if not route.arguments
                            else ("co-organiser",))]


@pytest.mark.parametrize("viewer, route", OWN_PAGES)
def test_the_pages_a_viewer_may_open_show_nothing_of_the_owners_private_event(
        world, viewer, route):
    """The colleague's own event (the next edition of the same series, with the same guest)
    and everyone's own lists: no title, time, aim, comment or note of the private event."""
    response = attempt(world, viewer, route, world.shared)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert [word for word in PRIVATE_WORDS if word in body] == []


THROUGH_MY_EVENT = [pytest.param(route, id=f"{route.endpoint}-{route.method}-co-organiser")
                    for route in ROUTES
                    if "event_id" in route.arguments and route.arguments & CHILD_IDS]


@pytest.mark.parametrize("route", THROUGH_MY_EVENT)
def test_a_part_guest_or_helper_of_the_private_event_is_not_found_through_my_event(
        world, untouched, route):
    """The colleague's event id with the private event's part, guest, goal or helper."""
    ids = {**world.private, "event_id": world.shared["event_id"]}
    response = attempt(world, "co-organiser", route, ids)
    assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("url", ["/events/999999", "/events/999999/edit",
                                 "/events/0/activities/1/edit", "/contacts/999999",
                                 "/outbox/999999"])
def test_unknown_ids_are_not_found(world, url):
    assert world.clients["stranger"].get(url).status_code == 404


def test_every_post_refuses_a_missing_csrf_token(world, untouched):
    owner = world.clients["owner"]
    checked = 0
    for rule in world.app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        ids = {**world.private, "token": world.private["helper_token"]} \
            if rule.endpoint.startswith("door.") else world.private
        url = rule.build({name: ids.get(name, 1) for name in rule.arguments},
                         append_unknown=False)[1]
        response = owner.post(url, data={"title": "Changed", "email": "x@example.com"})
        assert response.status_code == 400, url
        checked += 1
    assert checked >= 8
    assert owner.get("/").status_code == 200, "still logged in"

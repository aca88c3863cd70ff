"""Who may do what: every organiser route, walked from the URL map, for every kind of viewer.

Workspace W (Olivia Owner's team) has a private event (a race with a guest, a goal, a
result, feedback, an email, a check-in helper, shared with one outside person) and this
year's edition of the same series (shared with another outside person), a client book
(contacts, companies, notes) and a pending invitation to join. Every organiser route is
tried on W's private event and W's address book by each viewer:

- ``owner``, ``admin``, ``organiser``, ``viewer``: members of W with that role;
- ``partner``: the outside person the private event is shared with (an account of its own
  workspace);
- ``outsider``: the outside person of W's *other* event;
- ``other-workspace``: the owner of another workspace with data of its own;
- ``other-viewer``: a viewer in that other workspace (the role is checked first: 403 for
  what its role may not do anywhere, 404 for W's things it may not know of);
- ``two-hats``: an organiser of W who works in its own other workspace now (an agency);
- ``anonymous``: nobody logged in; ``helper-link``: someone who opened the private event's
  check-in link.

The answer each pair must get is not written here: it comes from what the route declares
(``permissions.requires``, the view's ``required_actions``) and from the policy
(``access.ROLE_ACTIONS``, ``access.OUTSIDE_ACTIONS``), the way ``access.authorize`` decides:
on an event's pages the viewer's standing on that event (a member by role, the outside
person of this event by ``OUTSIDE_ACTIONS``, anyone else 404); elsewhere the role in the
workspace the viewer works in now first (403), then the object named in the address (404 if
it is not of that workspace). The account's own pages (``auth.*``, the calendar feed) are
for every logged-in person, and a login of another account is not found. Anonymous
visitors are sent to the login page.

Each (route, method, viewer) is its own test, named ``endpoint-METHOD-viewer``, so a failure
names route and role. New routes (the team pages too) are covered without editing this file.

The matrix: 152 (route, method) pairs x 11 viewers = 1672 tests per backend. An allowed GET
must answer 200; an allowed POST is sent and must pass the policy (no 401/403/404, no login
page), and the world is put back afterwards (the database restored, the client's cookies
too; also after a download, which the audit trail notes). Every refusal must change
nothing (a fingerprint of the world) and show nothing of W's private event and address
book; nor may any page of a viewer outside W.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from config import TestConfig
from eventplanner import create_app
from eventplanner.access import OUTSIDE_ACTIONS, ROLE_ACTIONS, Action
from eventplanner.auth.models import Role
from eventplanner.extensions import db, utcnow
from tests.conftest import (
    PASSWORD,
    FormClient,
    app_for,
    empty_database,
    restore_database,
    save_database,
)

#: Pages anyone may open.
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.register", "auth.check_your_email",
                    "auth.forgot_password", "auth.second_factor", "health",
                    "api-docs.openapi_json", "api_reference.reference"}
#: Guest pages, the calendar feed, door helpers' and account links, join links: the token
#: in the address is the key.
TOKEN_ENDPOINTS = ("rsvp.", "calendar.feed", "door.", "auth.confirm_address",
                   "auth.choose_new_password", "joining.", "api_")
#: Pages of the logged-in account itself, whatever workspace it is in (no declared action).
ACCOUNT_ENDPOINTS = ("auth.", "calendar.", "workspaces.")

#: Words that exist only in W's private event: no page of a viewer who may not see the
#: event may show them.
PRIVATE_EVENT_WORDS = ("Private dinner", "47:11", "Private aim", "Private soup")
#: Words that exist only in W's client book, on no event: no page of anyone outside W may
#: show them (an outside person sees an event's guests, not the team's notes).
ADDRESS_BOOK_WORDS = ("Quentin Quiet", "Quiet Holdings", "A private note",
                      "A company note")
#: A note private to W's owner: no one else may see it, W's members included.
OWNERS_OWN_NOTE = "Memo for Olivia only"
#: Ids that name something inside an event (a part, a guest...), not the event itself.
CHILD_IDS = {"activity_id", "invitation_id", "goal_id", "helper_id", "mail_id", "host_id"}
#: Ids of things of an event named without the event (an email in the outbox).
EVENT_BOUND_IDS = {"message_id"}

MEMBERS = {"owner": Role.OWNER, "admin": Role.ADMIN, "organiser": Role.ORGANISER,
           "viewer": Role.VIEWER}
#: Every viewer, and the role it has in the workspace it works in now (None: logged out).
VIEWERS: dict[str, Role | None] = {
    **MEMBERS, "partner": Role.OWNER, "outsider": Role.OWNER, "other-workspace": Role.OWNER,
    "other-viewer": Role.VIEWER, "two-hats": Role.OWNER, "anonymous": None,
    "helper-link": None}
#: Viewers who may see nothing of W but what is shared with them.
OUTSIDE_W = ("partner", "outsider", "other-workspace", "other-viewer", "two-hats")

#: A rule on the object past the route's declaration: a note is deleted by its author, or by
#: a member who manages members (``feedback.relationships.may_delete_note``); the world's
#: notes are the owner's.
NOTE_DELETION = {"relationships.delete_contact_note", "relationships.delete_company_note"}

ALLOWED, FORBIDDEN, NOT_FOUND, LOGIN = "allowed", 403, 404, "login page"
#: Where Flask-Login sends a visitor who must log in first (logging out goes to the login
#: page too, without ``next``).
LOGIN_PAGE = "/auth/login?next="


class Route(NamedTuple):
    endpoint: str
    method: str
    arguments: frozenset[str]


def the_app() -> Flask:
    return create_app(TestConfig)


def organiser_routes(app: Flask) -> list[Route]:
    """Every (route, method) that needs a logged-in account, from the app's URL map."""
    return sorted(Route(rule.endpoint, method, frozenset(rule.arguments))
                  for rule in app.url_map.iter_rules()
                  if rule.endpoint not in PUBLIC_ENDPOINTS
                  and not rule.endpoint.startswith(TOKEN_ENDPOINTS)
                  for method in rule.methods - {"HEAD", "OPTIONS"})


APP = the_app()
ROUTES = organiser_routes(APP)


def declared_action(route: Route) -> Action | None:
    """What the route's view declares it needs for this method (None: an account page)."""
    actions = getattr(APP.view_functions[route.endpoint], "required_actions", None)
    if actions is None:
        return None
    return actions[0] if route.method == "GET" else actions[1]


def expected(viewer: str, route: Route):
    """What the policy says ``viewer`` gets from ``route`` on W's private event and client
    book: ALLOWED, FORBIDDEN, NOT_FOUND or LOGIN."""
    role = VIEWERS[viewer]
    if role is None:
        return LOGIN
    action = declared_action(route)
    if action is None:  # the account's own pages: a login of another account is not found
        return ALLOWED if viewer == "owner" or "login_id" not in route.arguments else NOT_FOUND
    if route.endpoint in NOTE_DELETION and viewer in MEMBERS and viewer != "owner" \
            and Action.MANAGE_MEMBERS not in ROLE_ACTIONS[role]:
        return FORBIDDEN
    if "event_id" in route.arguments:
        if viewer in MEMBERS:
            return ALLOWED if action in ROLE_ACTIONS[MEMBERS[viewer]] else FORBIDDEN
        if viewer == "partner":
            return ALLOWED if action in OUTSIDE_ACTIONS else FORBIDDEN
        return NOT_FOUND
    if action not in ROLE_ACTIONS[role]:
        return FORBIDDEN
    if not route.arguments or viewer in MEMBERS:
        return ALLOWED
    if route.arguments == {"workspace_id"} and viewer == "two-hats":
        return ALLOWED  # a member of W may switch to it
    if route.arguments <= EVENT_BOUND_IDS and viewer == "partner":
        return ALLOWED  # an email of the event shared with them
    return NOT_FOUND


def matrix() -> Iterator:
    for route in ROUTES:
        for viewer in VIEWERS:
            yield pytest.param(viewer, route, expected(viewer, route),
                               id=f"{route.endpoint}-{route.method}-{viewer}")


MATRIX = list(matrix())


# --- the world: built once per backend -----------------------------------------------------

class World(NamedTuple):
    app: Flask
    private: dict
    shared: dict
    clients: dict[str, FormClient]
    tokens: dict[str, str]
    saved: object


def build_world(app: Flask) -> tuple[dict, dict]:
    """W's private event and the shared edition, W's client book, and another workspace
    with data of its own; returns the ids of W's things for each of W's two events."""
    from eventplanner.auth.models import JoinInvitation, Login, Membership, Organiser
    from eventplanner.auth.services import register_organiser, start_login
    from eventplanner.calendar.services import part_uid
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
    from eventplanner.gifts.models import GiftDirection
    from eventplanner.gifts.services import GiftDetails, record_gift
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result, set_goal
    from eventplanner.inbox.models import IncomingKind, IncomingMail, IncomingOutcome
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.hosts import assign_host, set_event_hosts
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.links import invitation_token
    from eventplanner.invitations.models import AnswerStatus
    from eventplanner.invitations.reply_address import reply_address
    from eventplanner.mail.models import Message
    from eventplanner.questions.models import QuestionKind
    from eventplanner.questions.services import ChoiceDetails, QuestionDetails, add_question
    from eventplanner.seating.services import add_tables, guest_key, seat_person
    from eventplanner.team.api_tokens import create_token

    with app.app_context():
        people: dict[str, Organiser] = {}
        for viewer, name in (("owner", "Olivia Owner"), ("partner", "Pia Partner"),
                             ("outsider", "Colin Colleague"),
                             ("other-workspace", "Stella Stranger"), ("two-hats", "Hal Hats")):
            people[viewer] = register_organiser(name, f"{viewer}@example.com", PASSWORD)
        w = people["owner"].membership.workspace_id
        for viewer in ("admin", "organiser", "viewer", "other-viewer"):
            people[viewer] = register_organiser(f"{viewer.title()} Member",
                                                f"{viewer}@example.com", PASSWORD,
                                                own_workspace=False)
        for viewer, role in (("admin", Role.ADMIN), ("organiser", Role.ORGANISER),
                             ("viewer", Role.VIEWER), ("two-hats", Role.ORGANISER)):
            db.session.add(Membership(workspace_id=w, organiser_id=people[viewer].id,
                                      role=role))
        db.session.add(Membership(workspace_id=people["other-workspace"].membership.workspace_id,
                                  organiser_id=people["other-viewer"].id, role=Role.VIEWER))
        db.session.flush()

        owner = people["owner"]
        client = create_contact(owner, ContactDetails(
            name="Carl Client", email="carl@client.example", company_name="Client AS"))
        quiet = create_contact(owner, ContactDetails(
            name="Quentin Quiet", email="quentin@quiet.example", company_name="Quiet Holdings"))
        worlds = {}
        for key, title, start, partner, time, host in (
                ("private", "Private dinner", datetime(utcnow().year - 1, 9, 5, 16), "partner",
                 "47:11", "organiser"),
                ("shared", "Shared race", datetime(utcnow().year + 1, 9, 5, 16), "outsider",
                 "45:00", "admin")):
            event = create_event(owner, EventDetails(
                title=title, timezone="Europe/Oslo", status=EventStatus.PUBLISHED,
                series_name="Stoltzen"))
            race = add_activity(event, ActivityDetails(
                name="Stair race", kind=ActivityKind.TIMED, starts_at=start,
                ends_at=start + timedelta(hours=1)))
            add_co_organiser(event, owner, f"{partner}@example.com")
            [invitation] = invite_contacts(event, owner, [client.id], 0, send=True,
                                           now=utcnow()).invited
            respond_to_invitation(invitation, GuestAnswer({race.id: AnswerStatus.YES}),
                                  utcnow(), changed_by="organiser")
            goal = set_goal(invitation, race, "46:00", "", f"{title.split()[0]} aim")
            record_result(race, invitation, ResultStatus.FINISHED, time)
            helper = add_helper(event, "Door helper")
            set_event_hosts(event, [people[host].id], owner)
            assign_host(event, [invitation.id], people[host].id, owner)  # Carl's host
            [table] = add_tables(race, owner, seats=8)
            seat_person(race, guest_key(invitation.id, 0), table.id, owner)
            answer_from_elsewhere = IncomingMail(  # a calendar answer waiting to be confirmed
                message_id=f"<{key}@mail.example>", recipient=reply_address(invitation),
                workspace_id=w, event_id=event.id, invitation_id=invitation.id,
                kind=IncomingKind.ANSWER, outcome=IncomingOutcome.TO_CONFIRM,
                reason="other_address", uid=part_uid(race), partstat="DECLINED",
                attendee="carl.private@example.org", sequence=race.sequence)
            db.session.add(answer_from_elsewhere)
            question = add_question(event, QuestionDetails(
                QuestionKind.CHOICE, "Menu", choices=(ChoiceDetails("Fish"),)), ["en"], owner)
            db.session.flush()
            worlds[key] = {"question_id": question.id,
                "event_id": event.id, "activity_id": race.id, "invitation_id": invitation.id,
                "goal_id": goal.id, "helper_id": helper.id, "mail_id": answer_from_elsewhere.id,
                "organiser_id": people[partner].id, "host_id": people[host].id,
                "table_id": table.id,
                "helper_token": helper_token(helper), "token": invitation_token(invitation),
                "message_id": db.session.scalar(select(func.min(Message.id)).where(
                    Message.event_id == event.id))}
            if key == "private":
                submit_feedback(invitation, FeedbackAnswer(score=2, do_better="Private soup"),
                                event.ends_at + timedelta(hours=1))
        note = add_note("A private note", date(2026, 1, 1), contact=client, author=owner)
        company_note = add_note("A company note", date(2026, 1, 2), company=quiet.company,
                                author=owner)
        add_note(OWNERS_OWN_NOTE, date(2026, 1, 3), contact=client, author=owner,
                 private=True)
        gift = record_gift(w, GiftDetails(GiftDirection.GIVEN, date(2026, 6, 1), "Wine",
                                          Decimal("400"), "NOK"), owner, contact=client)
        join = JoinInvitation(workspace_id=w, email="newcomer@example.com", role=Role.VIEWER,
                              token_digest="d" * 64, invited_by_id=owner.id,
                              expires_at=utcnow() + timedelta(days=7))
        db.session.add(join)
        api_token = create_token(owner, "World token", ["contacts:read"], None,
                                 utcnow()).token

        # The other workspace: its own client, event and email.
        stranger = people["other-workspace"]
        otto = create_contact(stranger, ContactDetails(
            name="Otto Other", email="otto@other.example", company_name="Other Org"))
        picnic = create_event(stranger, EventDetails(
            title="Other picnic", timezone="Europe/Oslo", status=EventStatus.PUBLISHED))
        add_activity(picnic, ActivityDetails(
            name="Picnic", kind=ActivityKind.STANDARD,
            starts_at=datetime(utcnow().year + 1, 6, 1, 12),
            ends_at=datetime(utcnow().year + 1, 6, 1, 15)))
        invite_contacts(picnic, stranger, [otto.id], 0, send=True, now=utcnow())

        from eventplanner.webhooks.services import create_subscription, send_test_event

        webhook = create_subscription(w, owner, "http://127.0.0.1:9/hooks", "CRM",
                                      ["invitation.answered"])
        webhook_delivery = send_test_event(webhook, owner)
        start_login(owner)  # the owner, logged in on another device
        db.session.commit()
        owners_login = db.session.scalar(select(func.max(Login.id)))
        address_book = {"contact_id": client.id, "company_id": quiet.company_id,
                        "note_id": note.id, "company_note_id": company_note.id,
                        "login_id": owners_login, "member_id": people["organiser"].id,
                        "join_id": join.id, "workspace_id": w,
                        "gift_id": gift.id, "token_id": api_token.id,
                        "subscription_id": webhook.id, "delivery_id": webhook_delivery.id}
        return {**worlds["private"], **address_book}, {**worlds["shared"], **address_book}


def fingerprint(app: Flask) -> list:
    """What a refused request must leave as it was."""
    with app.app_context():
        return db.session.execute(text(
            "SELECT (SELECT count(*) FROM event), (SELECT min(title) FROM event), "
            "(SELECT max(title) FROM event), (SELECT count(*) FROM activity), "
            "(SELECT min(name) FROM activity), "
            "(SELECT count(*) FROM invitation WHERE revoked_at IS NULL), "
            "(SELECT count(*) FROM relationship_note), (SELECT count(*) FROM contact), "
            "(SELECT min(name) FROM contact), (SELECT count(*) FROM company), "
            "(SELECT count(*) FROM event_co_organiser), (SELECT count(*) FROM message), "
            "(SELECT count(*) FROM check_in_helper WHERE revoked_at IS NULL), "
            "(SELECT min(organiser_comment) FROM goal), (SELECT count(*) FROM result), "
            "(SELECT count(*) FROM membership), (SELECT min(role) FROM membership), "
            "(SELECT count(*) FROM workspace), (SELECT count(*) FROM login), "
            "(SELECT count(*) FROM join_invitation WHERE revoked_at IS NULL), "
            "(SELECT count(*) FROM audit_entry), (SELECT count(*) FROM dinner_table), "
            "(SELECT min(name) FROM dinner_table), (SELECT count(*) FROM seat_place), "
            "(SELECT count(*) FROM seat_place WHERE pinned), "
            "(SELECT count(*) FROM webhook_subscription WHERE disabled_at IS NULL), "
            "(SELECT min(secret) FROM webhook_subscription), "
            "(SELECT min(event_types) FROM webhook_subscription), "
            "(SELECT count(*) FROM webhook_delivery WHERE status = 'pending')")).one()


def logged_in(app: Flask, email: str) -> FormClient:
    app.test_client_class = FormClient
    client = app.test_client()
    response = client.submit("/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture(scope="module")
def world(backend, tmp_path_factory) -> Iterator[World]:
    """One app and database for the whole module (per backend), left empty afterwards."""
    folder = tmp_path_factory.mktemp("access")
    if backend.name == "sqlite":
        copy = folder / "access.db"
        shutil.copyfile(backend.url, copy)
        app = app_for(f"sqlite:///{copy}")
    else:
        app = app_for(backend.url)
    app.test_client_class = FormClient
    private, shared = build_world(app)
    clients = {viewer: logged_in(app, f"{viewer}@example.com")
               for viewer, role in VIEWERS.items() if role is not None}
    clients["anonymous"], clients["helper-link"] = app.test_client(), app.test_client()
    assert clients["helper-link"].get(f"/door/{private['helper_token']}/").status_code == 200
    tokens = {viewer: client.csrf_token() for viewer, client in clients.items()}
    saved = save_database(app, backend, folder / "saved.db")
    yield World(app, private, shared, clients, tokens, saved)
    empty_database(app, backend)


@pytest.fixture
def untouched(world: World) -> Iterator[None]:
    """The test's refused requests leave the world as they found it (checked after each
    test, so a test that changes something fails alone)."""
    before = fingerprint(world.app)
    yield
    assert fingerprint(world.app) == before, "a refused request changed something"


def url_for_route(app: Flask, route: Route, ids: dict) -> str:
    rule = next(app.url_map.iter_rules(route.endpoint))
    missing = set(rule.arguments) - set(ids)
    assert not missing, f"build_world has no {missing} for {route.endpoint}: add one"
    values = {name: ids[name] for name in rule.arguments}
    if "company_id" in values and "note_id" in values:
        values["note_id"] = ids["company_note_id"]
    return rule.build(values, append_unknown=False)[1]


FORM = {"email": "outsider@example.com", "title": "Hijacked", "timezone": "UTC",
        "name": "Hijacked", "comment": "Hijacked", "text": "Hijacked", "noted_on": "2026-01-01",
        "role": "viewer"}


def attempt(world: World, viewer: str, route: Route, ids: dict, client=None):
    client = client or world.clients[viewer]
    return client.open(url_for_route(world.app, route, ids), method=route.method,
                       data={"csrf_token": world.tokens[viewer], **FORM})


def words_shown(body: str, viewer: str) -> list[str]:
    """W's private words on a page ``viewer`` may not see them on."""
    forbidden = ADDRESS_BOOK_WORDS if viewer in OUTSIDE_W else ()
    if viewer != "owner":
        forbidden += (OWNERS_OWN_NOTE,)
    if viewer in OUTSIDE_W and viewer != "partner":
        forbidden += PRIVATE_EVENT_WORDS
    return [word for word in forbidden if word in body]


def allowed_post(world: World, backend, viewer: str, route: Route):
    """Send an allowed form on a throw-away copy of the world: the database and the
    client's cookies are put back afterwards."""
    own = world.clients[viewer]
    client = world.app.test_client()
    for name in (world.app.config["SESSION_COOKIE_NAME"], "remember_token"):
        cookie = own.get_cookie(name)
        if cookie is not None:
            client.set_cookie(name, cookie.value)
    try:
        return attempt(world, viewer, route, world.private, client)
    finally:
        restore_database(world.app, backend, world.saved)


# --- the matrix -----------------------------------------------------------------------------

def readable_text(response) -> str:
    """What a person reads in the response: a PDF's text, else the body."""
    if response.mimetype == "application/pdf":
        import io

        from pypdf import PdfReader
        return " ".join(page.extract_text() for page in PdfReader(
            io.BytesIO(response.get_data())).pages)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("viewer, route, answer", MATRIX)
def test_each_route_answers_each_viewer_as_the_policy_says(
        world, backend, viewer, route, answer):
    before = fingerprint(world.app)
    if answer == ALLOWED and route.method != "GET":
        response = allowed_post(world, backend, viewer, route)
    else:
        response = attempt(world, viewer, route, world.private)
    status, location = response.status_code, response.headers.get("Location", "")
    body = readable_text(response)
    changed = fingerprint(world.app) != before
    if changed:  # put back (an allowed download is noted in the audit trail)
        restore_database(world.app, backend, world.saved)
    assert answer == ALLOWED or not changed, "a refused request changed something"
    if answer == LOGIN:
        assert status == 302 and location.startswith(LOGIN_PAGE), (status, location)
    elif answer == ALLOWED and route.method == "GET":
        assert status == 200, (status, location)
    elif answer == ALLOWED:
        assert status not in (401, 403, 404), status
        assert not location.startswith(LOGIN_PAGE), location
    else:
        assert status == answer, (status, location)
    assert words_shown(body, viewer) == []


def test_the_matrix_covers_every_route_for_every_viewer():
    """The docstring's count is the matrix's: (route, method) pairs x viewers."""
    assert len(MATRIX) == len(ROUTES) * len(VIEWERS)
    size = f"{len(ROUTES)} (route, method) pairs x {len(VIEWERS)} viewers = {len(MATRIX)} tests"
    assert size in " ".join(__doc__.split()), f"the docstring should say: {size}"


def test_the_policy_leaves_every_viewer_something_to_do_and_something_refused():
    """The expected answers are not all alike (an expectation that cannot fail)."""
    for viewer in VIEWERS:
        answers = {answer for v, _route, answer in (p.values for p in MATRIX) if v == viewer}
        if VIEWERS[viewer] is None:
            assert answers == {LOGIN}
        elif viewer == "owner":
            assert answers == {ALLOWED}
        else:
            assert ALLOWED in answers and answers & {FORBIDDEN, NOT_FOUND}, viewer


def test_every_view_of_an_organisers_only_blueprint_declares_what_it_needs():
    """``organisers_only`` refuses an undeclared view at run time; this finds it first.
    And every other view is public, opened by a token, or the account's own."""
    guarded = {blueprint for blueprint, functions in APP.before_request_funcs.items()
               if blueprint and any(f.__qualname__.startswith("organisers_only.")
                                    for f in functions)}
    assert {"events", "contacts", "invitations", "mail", "goals"} <= guarded
    for endpoint, view in APP.view_functions.items():
        blueprint = endpoint.rpartition(".")[0]
        if blueprint in guarded:
            actions = getattr(view, "required_actions", None)
            assert actions is not None, f"{endpoint} declares no action"
            assert all(isinstance(action, Action) for action in actions), endpoint
        else:
            assert endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(
                TOKEN_ENDPOINTS + ACCOUNT_ENDPOINTS), f"{endpoint}: not organisers_only"


# --- through my own event, unknown ids, CSRF -------------------------------------------------

THROUGH_MY_EVENT = [pytest.param(route, id=f"{route.endpoint}-{route.method}-outsider")
                    for route in ROUTES
                    if "event_id" in route.arguments and route.arguments & CHILD_IDS]


@pytest.mark.parametrize("route", THROUGH_MY_EVENT)
def test_a_part_guest_or_helper_of_the_private_event_is_not_found_through_my_event(
        world, untouched, route):
    """The outsider's event id with the private event's part, guest, goal or helper."""
    ids = {**world.private, "event_id": world.shared["event_id"]}
    response = attempt(world, "outsider", route, ids)
    assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("url", ["/events/999999", "/events/999999/edit",
                                 "/events/0/activities/1/edit", "/contacts/999999",
                                 "/outbox/999999"])
def test_unknown_ids_are_not_found(world, url):
    assert world.clients["owner"].get(url).status_code == 404


def test_every_post_refuses_a_missing_csrf_token(world, untouched):
    owner = world.clients["owner"]
    checked = 0
    for rule in world.app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("api_"):
            continue  # the API's calls carry a token, not cookies (tests/test_api_access.py)
        ids = {**world.private, "token": world.private["helper_token"]} \
            if rule.endpoint.startswith("door.") else world.private
        url = rule.build({name: ids.get(name, 1) for name in rule.arguments},
                         append_unknown=False)[1]
        response = owner.post(url, data={"title": "Changed", "email": "x@example.com"})
        assert response.status_code == 400, url
        checked += 1
    assert checked >= 8
    assert owner.get("/").status_code == 200, "still logged in"


# --- stories -------------------------------------------------------------------------------

def test_a_viewer_who_posts_an_organisers_form_is_refused_and_nothing_changes(
        world, untouched):
    """The sales team may read the event, not rename it, add a contact or share it."""
    viewer, event_id = world.clients["viewer"], world.private["event_id"]
    assert viewer.get(f"/events/{event_id}").status_code == 200
    for url, form in ((f"/events/{event_id}/edit",
                       {"title": "Renamed by the viewer", "timezone": "UTC"}),
                      ("/contacts/new", {"name": "Vera Viewer's", "email": "v@example.com"}),
                      (f"/events/{event_id}/co-organisers",
                       {"email": "other-workspace@example.com"}),
                      (f"/contacts/{world.private['contact_id']}/notes",
                       {"text": "The viewer's note", "noted_on": "2026-01-01"})):
        response = viewer.post(url, data={"csrf_token": world.tokens["viewer"], **form})
        assert response.status_code == 403, url
    page = world.clients["owner"].get(f"/events/{event_id}").get_data(as_text=True)
    assert "Private dinner" in page and "Renamed by the viewer" not in page


LIST_PAGES = ["/", "/contacts/", "/contacts/companies/", "/outbox/"]
W_NAMES = (*PRIVATE_EVENT_WORDS, *ADDRESS_BOOK_WORDS, "Carl Client", "Client AS",
           "Shared race", "carl@client.example")


@pytest.mark.parametrize("url", LIST_PAGES)
@pytest.mark.parametrize("viewer", ["other-workspace", "other-viewer", "two-hats"])
def test_the_lists_of_a_member_of_another_workspace_show_none_of_ws_names(
        world, viewer, url):
    response = world.clients[viewer].get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # W's name (its owner's) is in the workspace switcher of a member of W (two-hats).
    names = W_NAMES if viewer == "two-hats" else (*W_NAMES, "Olivia Owner")
    assert [name for name in names if name in body] == []
    if viewer != "two-hats":  # its own data is there: the page is not just empty
        assert any(name in body for name in ("Otto Other", "Other Org", "Other picnic"))


@pytest.mark.parametrize("url", LIST_PAGES)
def test_the_lists_of_ws_viewer_show_ws_data_and_nothing_of_the_other_workspace(world, url):
    body = world.clients["viewer"].get(url).get_data(as_text=True)
    assert not [name for name in ("Otto Other", "Other Org", "Other picnic") if name in body]
    assert any(name in body for name in ("Private dinner", "Carl Client", "Client AS",
                                         "Quiet Holdings"))


def test_the_owners_private_note_is_on_her_contact_page_and_on_no_one_elses(world):
    """The word the matrix looks for on every page is there for its author."""
    url = f"/contacts/{world.private['contact_id']}"
    assert OWNERS_OWN_NOTE in world.clients["owner"].get(url).get_data(as_text=True)
    for viewer in ("admin", "viewer"):
        page = world.clients[viewer].get(url).get_data(as_text=True)
        assert "A private note" in page and OWNERS_OWN_NOTE not in page

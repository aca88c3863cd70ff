"""Every operation on an event's data, walked from the URL map, for the tokens that must not
get through: a token of another workspace finds nothing (404, whatever its scopes), a token
with read scopes only may read (200) and not change (403), a token of the other area's
scopes is refused (403), and none of them changes anything. Each (operation, token) is its
own test, so a failure names both."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from sqlalchemy import func, select

from config import TestConfig
from eventplanner import create_app
from eventplanner.api import events, invitations, outcomes
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.goals.models import Result
from eventplanner.invitations.models import CheckIn, Invitation, Response
from eventplanner.mail.models import Message
from tests.conftest import bearer
from tests.test_api_events import add_part, make_event
from tests.test_api_guests import answer, invite

#: The blueprints of this area, and the scope area each belongs to.
AREAS = {events.bp.name: "events", invitations.bp.name: "guests",
         invitations.check_ins_bp.name: "guests", outcomes.results_bp.name: "guests",
         outcomes.feedback_bp.name: "guests"}
#: Operations not about one event: they list or make the token's own workspace's events.
WORKSPACE_WIDE = {"api_events.list_events", "api_events.create_event"}


class Operation(NamedTuple):
    endpoint: str
    method: str
    rule: str

    @property
    def area(self) -> str:
        return AREAS[self.endpoint.split(".")[0]]

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def operations() -> list[Operation]:
    app = create_app(TestConfig)
    return sorted(Operation(rule.endpoint, method, rule.rule)
                  for rule in app.url_map.iter_rules()
                  if rule.endpoint.split(".")[0] in AREAS
                  for method in rule.methods - {"HEAD", "OPTIONS"})


OPERATIONS = operations()


def body_for(endpoint: str, ids: dict[str, int]) -> dict:
    """A body the operation accepts, so that a refusal is the token's, not the input's."""
    return {
        "api_events.create_event": {"title": "Mine"},
        "api_events.change_event": {"title": "Changed"},
        "api_events.add_part": {"name": "Lunch", "starts_at": "2031-06-10T10:00:00Z",
                                "ends_at": "2031-06-10T11:00:00Z"},
        "api_events.change_part": {"capacity": 9},
        "api_invitations.invite": {"contact_ids": [1]},
        "api_invitations.answer_for_guest": {"answers": [{"part_id": ids["part_id"],
                                                          "status": "no"}]},
        "api_check_ins.check_in": {"invitation_id": ids["invitation_id"]},
        "api_results.record_result": {"time": "9:30"},
        "api_results.publish_results": {},
    }.get(endpoint, {})


def test_the_walk_covers_every_operation():
    assert len(OPERATIONS) == 25, [f"{o.method} {o.rule}" for o in OPERATIONS]


@pytest.fixture
def world(app, client, make_organiser, make_api_token, make_contact):
    owner = make_organiser()
    token = bearer(make_api_token(owner=owner))
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"], kind="timed")
    guest = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    invitation = guest["invited"][0]
    answer(client, token, event["id"], invitation["id"], {part["id"]: "yes"})
    ids = {"event_id": event["id"], "part_id": part["id"], "invitation_id": invitation["id"]}
    return {"owner": owner, "ids": ids, "tokens": {
        "other-workspace": bearer(make_api_token(owner=make_organiser())),
        "read-only": bearer(make_api_token(owner=owner,
                                           scopes=("events:read", "guests:read"))),
        "other-area": None}, "make_token": make_api_token}


def fingerprint(app) -> tuple:
    """Counts of what the operations make, and when what they change last changed."""
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                       for model in (Event, Activity, Invitation, Response, CheckIn,
                                     Result, Message))
        moments = tuple(db.session.scalar(select(func.max(column))) for column in (
            Event.updated_at, Event.results_published_at, Activity.updated_at,
            Invitation.updated_at))
        return counts + moments


@pytest.mark.parametrize("who", ["other-workspace", "read-only", "other-area"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: f"{o.endpoint}-{o.method}")
def test_a_token_gets_only_what_it_may(app, client, world, operation, who):
    ids = world["ids"]
    url = operation.rule
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value))
    token = world["tokens"][who]
    if who == "other-area":
        scopes = ("events:read", "events:write") if operation.area == "guests" else (
            "guests:read", "guests:write")
        token = bearer(world["make_token"](owner=world["owner"], scopes=scopes))
    body = body_for(operation.endpoint, ids)
    before = fingerprint(app)
    response = client.open(url, method=operation.method,
                           json=body if operation.writes else None, headers=token)
    if who == "other-area":
        expected = 403
    elif who == "other-workspace":
        expected = 404 if operation.endpoint not in WORKSPACE_WIDE else (
            200 if operation.method == "GET" else 201)
    else:
        expected = 403 if operation.writes else 200
    assert response.status_code == expected, (operation, who, response.get_json())
    assert response.mimetype == ("application/json" if expected < 300
                                 else "application/problem+json")
    if expected >= 400:
        assert fingerprint(app) == before

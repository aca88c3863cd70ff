"""Who may call what, for every operation of the API, walked from the URL map: a token of
another workspace finds none of this workspace's objects (404) and lists none of them; a
token without an operation's scope is refused (403) and changes nothing; no token is a 401.
A new operation is covered the moment it exists (its ids must be in ``build_world``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from eventplanner import create_app
from eventplanner.access import API_SCOPES
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Tag
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import ActivityKind, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from tests.conftest import TestConfig, bearer

APP = create_app(TestConfig)
#: Every (rule, method) of the API's resources.
OPERATIONS = sorted(
    (rule.rule, method, rule.endpoint) for rule in APP.url_map.iter_rules()
    if rule.endpoint.startswith("api_") and rule.endpoint != "api_reference.reference"
    for method in rule.methods - {"HEAD", "OPTIONS"})


def _scope_of(endpoint: str) -> str:
    return APP.view_functions[endpoint].required_scope


@pytest.fixture
def world(app, make_organiser, make_api_token):
    """Workspace W with one of everything, a token of W's that may do everything, and a
    token of another workspace that may do everything there."""
    account = make_organiser()
    with app.app_context():
        owner = db.session.get(Organiser, account.id)
        start = datetime(utcnow().year + 1, 9, 5, 16)
        event = create_event(owner, EventDetails(title="Secret race", timezone="Europe/Oslo",
                                                 status=EventStatus.PUBLISHED))
        part = add_activity(event, ActivityDetails(
            name="Race", kind=ActivityKind.TIMED, starts_at=start,
            ends_at=start + timedelta(hours=1)))
        contact = create_contact(owner, ContactDetails(
            name="Sigrid Secret", email="sigrid@example.com", company_name="Secret AS",
            tags=("secret",)))
        [invitation] = invite_contacts(event, owner, [contact.id], 0, send=False,
                                       now=utcnow()).invited
        db.session.flush()
        ids = {"event_id": event.id, "part_id": part.id, "activity_id": part.id,
               "contact_id": contact.id, "company_id": contact.company_id,
               "invitation_id": invitation.id, "member_id": owner.id,
               "tag_id": db.session.scalar(select(Tag.id).where(Tag.name == "secret"))}
        db.session.commit()
    return {"ids": ids, "ours": make_api_token(account),
            "theirs": make_api_token(make_organiser())}


def _url(rule: str, ids: dict) -> str:
    rule_object = next(r for r in APP.url_map.iter_rules() if r.rule == rule)
    missing = set(rule_object.arguments) - set(ids)
    assert not missing, f"build_world has no {missing} for {rule}: add it"
    path = rule
    for name in rule_object.arguments:
        path = path.replace(f"<int:{name}>", str(ids[name])).replace(f"<{name}>",
                                                                      str(ids[name]))
    return path


def _fingerprint(app) -> list:
    with app.app_context():
        return list(db.session.execute(text(
            "SELECT (SELECT count(*) FROM event), (SELECT min(title) FROM event), "
            "(SELECT count(*) FROM activity), (SELECT count(*) FROM contact), "
            "(SELECT min(name) FROM contact), (SELECT count(*) FROM company), "
            "(SELECT count(*) FROM tag), (SELECT count(*) FROM invitation), "
            "(SELECT count(*) FROM message)")).one())


def _call(client, method: str, url: str, secret: str | None):
    headers = bearer(secret) if secret else {}
    return client.open(url, method=method, json={} if method != "GET" else None,
                       headers=headers)


@pytest.mark.parametrize(("rule", "method", "endpoint"), OPERATIONS,
                         ids=[f"{method}-{rule}" for rule, method, _ in OPERATIONS])
def test_another_workspaces_token_finds_nothing_and_changes_nothing(app, client, world, rule,
                                                                     method, endpoint):
    before = _fingerprint(app)
    response = _call(client, method, _url(rule, world["ids"]), world["theirs"])
    body = response.get_data(as_text=True)
    if set(next(r for r in APP.url_map.iter_rules() if r.rule == rule).arguments):
        assert response.status_code == 404, (response.status_code, body[:300])
    else:
        assert response.status_code < 500, body[:300]
    for word in ("Secret race", "Sigrid", "Secret AS", "secret"):
        assert word not in body
    if method != "POST" or set(next(
            r for r in APP.url_map.iter_rules() if r.rule == rule).arguments):
        assert _fingerprint(app) == before


@pytest.mark.parametrize(("rule", "method", "endpoint"), OPERATIONS,
                         ids=[f"{method}-{rule}" for rule, method, _ in OPERATIONS])
def test_a_token_without_the_operations_scope_is_refused(app, client, world,
                                                         make_api_token, rule, method,
                                                         endpoint):
    scope = _scope_of(endpoint)
    others = tuple(s for s in API_SCOPES if s != scope)
    with app.app_context():
        owner_id = db.session.scalar(select(func.min(Organiser.id)))
        owner = db.session.get(Organiser, owner_id)
    secret = make_api_token(owner, scopes=others, name="Narrow")
    before = _fingerprint(app)
    response = _call(client, method, _url(rule, world["ids"]), secret)
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert _fingerprint(app) == before
    assert _call(client, method, _url(rule, world["ids"]), None).status_code == 401

"""Who may see what: every organiser route, walked from the URL map.

New routes are covered without editing this file: a route that takes an ``event_id`` must
answer 404 to an organiser who has no part in that event, and every POST must refuse a
request without a CSRF token.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from eventplanner.contacts.models import Contact
from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.mail.models import Message

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.register", "health"}
#: Guest pages and the calendar feed: the token in the address is the key, no login.
TOKEN_BLUEPRINTS = ("rsvp.", "calendar.feed", "door.")


def organiser_rules(app: Flask):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC_ENDPOINTS
            and not rule.endpoint.startswith(TOKEN_BLUEPRINTS)]


def url_for_rule(rule, **ids) -> str:
    if rule.endpoint.startswith("door.") and "helper_token" in ids:
        ids = {**ids, "token": ids["helper_token"]}  # a helper's link, not a guest's
    values = {name: ids.get(name, 1) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def foreign_event(make_organiser, make_event, make_activity, make_contact, make_invitation,
                  app):
    """An event with a part, a co-organiser, a guest and an email: none of them the
    intruder's."""
    owner, helper = make_organiser(), make_organiser()
    event = make_event(owner=owner, title="Someone else's event", status="published")
    activity = make_activity(event)
    contact = make_contact(owner, company_name="Someone else's client")
    invitation = make_invitation(event, contact, send=True)
    with app.app_context():
        from eventplanner.checkin.services import add_helper, helper_token
        from eventplanner.feedback.history import add_note

        message_id = db.session.scalar(select(Message.id))
        note_id = add_note("Someone else's note", date(2026, 1, 1),
                           contact=db.session.get(Contact, contact.id)).id
        at_the_door = add_helper(db.session.get(Event, event.id), "Door helper")
        helper_id, door_token = at_the_door.id, helper_token(at_the_door)
        db.session.commit()
    return {"event_id": event.id, "activity_id": activity.id, "organiser_id": helper.id,
            "contact_id": contact.id, "invitation_id": invitation.id,
            "message_id": message_id, "token": invitation.token, "owner": owner,
            "company_id": contact.company_id, "note_id": note_id, "helper_id": helper_id,
            "helper_token": door_token,
            "helper": helper}


def test_every_organiser_route_sends_a_visitor_to_the_login(app, client, foreign_event):
    for rule in organiser_rules(app):
        url = url_for_rule(rule, **foreign_event)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/auth/login"), (method, url)


def test_another_organisers_event_is_not_found_on_every_route(
        app, make_organiser, log_in, foreign_event):
    intruder = log_in(make_organiser())
    checked = 0
    for rule in organiser_rules(app):
        if not rule.arguments:
            continue
        url = url_for_rule(rule, **foreign_event)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": intruder.csrf_token(), "email": "x@example.com",
                    "title": "Hijacked", "timezone": "UTC", "name": "Hijacked"}
            response = intruder.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)
            assert "Page not found" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 10
    with app.app_context():
        assert db.session.scalar(select(Event.title)) == "Someone else's event"


def test_a_part_of_another_event_is_not_found_through_my_event(
        make_organiser, log_in, make_event, foreign_event):
    me = make_organiser()
    mine = make_event(owner=me)
    browser = log_in(me)
    url = f"/events/{mine.id}/activities/{foreign_event['activity_id']}/edit"
    assert browser.get(url).status_code == 404


def test_unknown_ids_are_not_found(make_organiser, log_in):
    browser = log_in(make_organiser())
    for url in ("/events/999999", "/events/999999/edit", "/events/0/activities/1/edit"):
        assert browser.get(url).status_code == 404


def test_every_post_refuses_a_missing_csrf_token(app, log_in, foreign_event):
    browser = log_in(foreign_event["owner"])
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = url_for_rule(rule, **foreign_event)
        response = browser.post(url, data={"title": "Changed", "email": "x@example.com"})
        assert response.status_code == 400, url
        checked += 1
    assert checked >= 8
    assert browser.get("/").status_code == 200, "still logged in"
    with app.app_context():
        assert db.session.scalar(select(Event.title)) == "Someone else's event"

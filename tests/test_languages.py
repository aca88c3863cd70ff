"""The guest's language: the contact's, else the event's default, and their own choice on
the page, remembered for their invitation; dates formatted by Babel in each language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from eventplanner.extensions import db


def page_language(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def guest_csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def invite(make_organiser, make_event, make_activity, make_contact, make_invitation):
    def invite(contact_language: str = "", event_language: str = "en"):
        event = make_event(owner=make_organiser(), status="published",
                           default_language=event_language)
        make_activity(event)
        return make_invitation(event, make_contact(event.owner, language=contact_language))
    return invite


@pytest.mark.parametrize("contact_language, event_language, expected", [
    ("nb", "de", "nb"),     # the contact's language wins
    ("", "de", "de"),       # else the event's default
    ("", "da", "da"),
])
def test_the_guest_page_speaks_the_contacts_language_else_the_events(
        client, invite, contact_language, event_language, expected):
    invitation = invite(contact_language, event_language)
    assert page_language(client.get(f"/r/{invitation.token}").get_data(as_text=True)) == expected


def test_the_guest_switches_language_and_it_is_remembered(app, client, invite):
    from eventplanner.invitations.models import Invitation

    invitation = invite("nb")
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert 'value="da" lang="da"' in page
    response = client.post(f"/r/{invitation.token}/language?back=guest_page",
                           data={"csrf_token": guest_csrf(page), "language": "da"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{invitation.token}")
    again = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert page_language(again) == "da"
    with app.app_context():
        assert db.session.scalar(select(Invitation.language)) == "da"


@pytest.mark.parametrize("fields, status", [
    ({"language": "xx"}, 422),
    ({"language": "da", "csrf_token": "forged"}, 400),
])
def test_a_bad_language_choice_changes_nothing(app, client, invite, fields, status):
    from eventplanner.invitations.models import Invitation

    invitation = invite("nb")
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    response = client.post(f"/r/{invitation.token}/language",
                           data={"csrf_token": guest_csrf(page), **fields})
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(Invitation.language)) == ""


def test_the_organiser_chooses_the_language_of_their_pages(app, make_organiser, log_in):
    from eventplanner.auth.models import Organiser

    organiser = log_in(make_organiser())
    assert page_language(organiser.get("/").get_data(as_text=True)) == "en"
    response = organiser.submit("/auth/profile", {"name": "Ingrid Haugen", "language": "de"})
    assert response.status_code == 302
    assert page_language(organiser.get("/").get_data(as_text=True)) == "de"
    assert organiser.submit("/auth/profile", {"name": "Ingrid", "language": "xx"}
                            ).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Organiser.language)) == "de"


def test_a_new_organiser_starts_in_the_browsers_language(app, client):
    from eventplanner.auth.models import Organiser

    client.get("/auth/register", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"})
    response = client.submit("/auth/register", {
        "name": "Mette", "email": "mette@example.dk", "password": "a-long-password",
        "confirm": "a-long-password"}, headers={"Accept-Language": "da-DK,da;q=0.9"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organiser.language)) == "da"

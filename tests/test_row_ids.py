"""Numbers in addresses that no row can have (longer than the databases' INTEGER ids) are
answered like any unknown id, on PostgreSQL as on SQLite, never with a server error."""

from __future__ import annotations

import pytest

TOO_BIG = "9" * 23


@pytest.mark.parametrize("url", [
    f"/events/{TOO_BIG}", f"/contacts/{TOO_BIG}", f"/contacts/companies/{TOO_BIG}",
    f"/events/1/guests/{TOO_BIG}", f"/outbox/{TOO_BIG}", "/events/2147483648"])
def test_an_id_no_row_can_have_is_not_found(make_organiser, log_in, url):
    response = log_in(make_organiser()).get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("query", [
    f"company={TOO_BIG}", "company=-3", "company=%C2%B2", "company="])
def test_a_filter_by_an_id_no_row_can_have_lists_as_without_it(make_organiser, make_contact,
                                                                log_in, query):
    owner = make_organiser()
    make_contact(owner, name="Kari Nordmann")
    page = log_in(owner).get(f"/contacts/?{query}")
    assert page.status_code == 200
    assert "Kari Nordmann" in page.get_data(as_text=True)


def test_the_audit_trail_ignores_filters_no_row_can_match(make_organiser, log_in, make_event):
    owner = make_organiser()
    make_event(owner, title="Client race")
    browser = log_in(owner)
    page = browser.get(f"/team/audit?event={TOO_BIG}&member=-1&before={TOO_BIG}")
    assert page.status_code == 200
    assert "Created the event" in page.get_data(as_text=True)


def test_a_nul_character_in_a_form_is_dropped_not_a_database_error(make_organiser, log_in):
    """No browser types NUL, but a scanner does: PostgreSQL cannot store it in text."""
    browser = log_in(make_organiser())
    response = browser.submit("/team/settings", {"name": "Fjord\x00 Events"})
    assert response.status_code in (302, 303)
    assert "Fjord Events" in browser.get("/team/").get_data(as_text=True)
    response = browser.submit("/events/new", {"title": "\x00Client race", "timezone": "UTC",
                                              "default_language": "en", "status": "draft"})
    assert response.status_code == 302
    assert "Client race" in browser.get("/").get_data(as_text=True)

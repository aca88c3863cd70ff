"""The table plan in a real browser: drag a guest from the unseated to a table (the page's
script, under the Content-Security-Policy, sends the move and the page shows it saved), a
full table refuses a drop and says why, and the keyboard way (choose a table, Move) does
the same without the mouse."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eventplanner.events.models import Activity
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.seating import services
from tests.browser.conftest import OUTPUT, page_problems
from tests.conftest import PASSWORD

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def dinner(app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    """A dinner with one table of one seat and two guests who said yes."""
    owner = make_organiser(email="ingrid@example.com")
    event = make_event(owner=owner, status="published", title="Stoltzen")
    part = make_activity(event, name="Dinner", kind="standard")
    invitations = [make_invitation(event, make_contact(owner, name=name))
                   for name in ("Kari Nordmann", "Per Hansen")]
    with app.app_context():
        for invitation in invitations:
            respond_to_invitation(db.session.get(Invitation, invitation.id),
                                  GuestAnswer({part.id: AnswerStatus.YES}), utcnow())
        services.add_tables(db.session.get(Activity, part.id), db.session.merge(owner),
                            seats=1)
        db.session.commit()
    return owner, f"/events/{event.id}/parts/{part.id}/tables", part.id


def seated(app, activity_id: int) -> dict[str, str]:
    with app.app_context():
        plan = services.plan_of(db.session.get(Activity, activity_id))
        return {diner.name: table.name for table, places in plan.tables
                for _place, diner in places}


def test_the_organiser_drags_a_guest_to_a_table_and_a_full_table_says_so(
        app, live_server, browser, axe_source, dinner):
    owner, plan, activity_id = dinner
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(axe_source)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and "409" not in m.text
            and errors.append(m.text))
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server + plan)
    assert page_problems(page, DESKTOP["width"]) == []

    kari = page.locator('[data-person]', has_text="Kari Nordmann")
    table = page.locator('.seat-list[data-table-id]:not([data-table-id="0"])')
    with page.expect_navigation():  # saved, and the page shows the plan as saved
        kari.drag_to(table)
    assert seated(app, activity_id) == {"Kari Nordmann": "1"}
    expect(page.locator("#table-" + table.get_attribute("data-table-id"))).to_contain_text(
        "Kari Nordmann")

    page.locator('[data-person]', has_text="Per Hansen").drag_to(table)
    expect(page.locator("#seating-status")).to_have_text("Table 1 is full: 1 seats.")
    assert seated(app, activity_id) == {"Kari Nordmann": "1"}

    page.get_by_label("Table for Kari Nordmann").focus()  # the keyboard way: unseat Kari
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert seated(app, activity_id) == {}
    page.screenshot(path=OUTPUT / "table-plan-after-moves.png", full_page=True)
    assert errors == []

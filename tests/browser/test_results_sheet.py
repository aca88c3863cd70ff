"""The results sheet as the README describes it, in a real browser, keyboard only: type a
time in the line that has the cursor, press Enter, and the next empty line is ready; the lines
nobody has typed in are skipped. A line the sheet cannot read takes the cursor, and its input
says it is in error and which text explains why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventplanner.extensions import db, utcnow
from tests.browser.conftest import page_problems
from tests.conftest import PASSWORD, activity_ids

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def race(app, make_organiser, make_event, make_activity, make_contact, make_guest_who_came):
    """A race that ended an hour ago, and three racers who said yes."""
    owner = make_organiser(email="ingrid@example.com")
    event = make_event(owner=owner, status="published", title="Stoltzen")
    start = utcnow().replace(tzinfo=None, microsecond=0) - timedelta(hours=2)
    make_activity(event, name="Stair race", starts_at=start, ends_at=start + timedelta(hours=1))
    racers = [make_guest_who_came(event, make_contact(owner, name=name))
              for name in ("Anna Berg", "Bjørn Dahl", "Cecilie Lunde")]
    [part] = activity_ids(app, event)
    return owner, f"/events/{event.id}/parts/{part}/results", racers


def stored_results(app) -> dict[str, tuple[str, int | None]]:
    from eventplanner.goals.models import Result

    with app.app_context():
        return {result.invitation.contact.name: (result.status.value, result.time_seconds)
                for result in db.session.scalars(select(Result))}


def assert_focus_on(page, line: str, why: str = "") -> None:
    """The input named ``line`` has the keyboard's focus (browsers autofocus just after
    the page loads, so this waits a moment for it)."""
    expect(page.get_by_label(line), why).to_be_focused(timeout=2000)


def submit_with_enter(page) -> None:
    """Enter in a form's field submits it; wait for the page that answers."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_organiser_types_results_with_the_keyboard_only(
        app, live_server, browser, axe_source, race):
    owner, sheet, _ = race
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(axe_source)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))  # but the 422
    page.goto(f"{live_server}/auth/login")
    assert_focus_on(page, "Email")
    page.keyboard.type(owner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    submit_with_enter(page)
    page.goto(live_server + sheet)

    assert_focus_on(page, "Time for Anna Berg")
    page.keyboard.type("9:41")
    submit_with_enter(page)
    assert page.get_by_text("1 result saved.").is_visible()
    assert stored_results(app) == {"Anna Berg": ("finished", 581)}
    assert_focus_on(page, "Time for Bjørn Dahl", "the next empty line is ready")

    page.keyboard.type("9:71")  # a slip of the finger
    submit_with_enter(page)
    assert_focus_on(page, "Time for Bjørn Dahl", "the cursor is on the line in error")
    line = page.get_by_label("Time for Bjørn Dahl")
    assert line.get_attribute("aria-invalid") == "true"
    explanation = page.locator("#" + line.get_attribute("aria-describedby"))
    assert "71 seconds" in explanation.inner_text()
    assert page_problems(page, DESKTOP["width"]) == []
    assert stored_results(app) == {"Anna Berg": ("finished", 581)}

    page.keyboard.press("Control+A")
    page.keyboard.type("10:05")
    submit_with_enter(page)
    assert page.get_by_text("2 results saved.").is_visible(), "Anna's line is saved again"
    assert_focus_on(page, "Time for Cecilie Lunde")
    assert stored_results(app) == {"Anna Berg": ("finished", 581),
                                   "Bjørn Dahl": ("finished", 605)}

    page.keyboard.press("Tab")  # Cecilie gave up: her status, chosen from the keyboard
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Status for Cecilie Lunde").input_value() == "dnf"
    page.keyboard.press("Shift+Tab")
    submit_with_enter(page)
    assert stored_results(app) == {"Anna Berg": ("finished", 581),
                                   "Bjørn Dahl": ("finished", 605),
                                   "Cecilie Lunde": ("dnf", None)}
    assert page_problems(page, DESKTOP["width"]) == []
    assert [error for error in errors if "status of 422" not in error] == []
    context.close()

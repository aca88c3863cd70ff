"""The printable table plan with people at the tables, in a real browser on a phone and on
a desktop: no axe-core violation and no sideways scrolling (the organiser pages' walk sees
the plan page of a part without tables only), and a screenshot of each to look at."""

from __future__ import annotations

import pytest

from eventplanner.auth.services import register_organiser
from eventplanner.extensions import db
from tests.browser.conftest import page_problems
from tests.conftest import PASSWORD
from tests.test_seating_print import build_dinner

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_the_printable_plan_and_the_door_list_of_a_seated_dinner_pass_axe(
        app, live_server, browser, axe_source, screenshots, size):
    with app.app_context():
        dinner = build_dinner(register_organiser("Olivia Owner", "owner@example.com",
                                                 PASSWORD))
        db.session.commit()
    context = browser.new_context(viewport=SIZES[size])
    context.add_init_script(axe_source)
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    base = f"{live_server}/events/{dinner.event_id}/activities/{dinner.activity_id}/table-plan"
    for name in ("print", "door-list"):
        page.goto(f"{base}/{name}")
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
        assert page_problems(page, SIZES[size]["width"]) == [], name
    page.goto(f"{base}/print")
    assert page.get_by_role("img", name="Table plan: Dinner").is_visible()
    context.close()

"""The guest flow in a real browser on a phone-sized screen, in Norwegian: from the emailed
link to an answer, a goal, the calendar file and a changed answer; then the organiser sees the
answer and checks the guest in at the door. Every page: no horizontal scrolling at 390 px and
no axe-core violation of WCAG 2 A/AA (labels, contrast and the rest)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.browser.conftest import page_problems
from tests.conftest import PASSWORD, activity_ids, next_year_at

PHONE = {"width": 390, "height": 844}


class Visit:
    """A browser page that checks every page it reaches and keeps a screenshot of each step.
    axe-core comes in as an init script (CDP), so the page's own security policy holds."""

    def __init__(self, page, folder) -> None:
        self.folder, self.step, self.errors = folder, 0, []
        self.page = page

    @property
    def page(self):
        return self._page

    @page.setter
    def page(self, page) -> None:
        """Console errors (a script blocked by the security policy, say) fail the test."""
        self._page = page
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.step += 1
        page.screenshot(path=self.folder / f"{self.step:02d}-{name}.png", full_page=True)
        assert page_problems(page, PHONE["width"]) == [], name
        assert self.errors == [], f"{name}: {self.errors}"


@pytest.fixture
def stoltzen(app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    owner = make_organiser(name="Ingrid Haugen", email="ingrid@example.com")
    race_day = next_year_at(10, 1, 16)
    event = make_event(owner=owner, status="published", title="Stoltzen opp",
                       default_language="nb", rsvp_deadline=race_day - timedelta(days=14),
                       host_name="Ingrid Haugen", host_email="ingrid@example.com")
    make_activity(event, name="Trappeløp", starts_at=race_day,
                  ends_at=race_day + timedelta(hours=1), place_name="Skansen",
                  capacity=40)
    make_activity(event, name="Middag", kind="standard",
                  starts_at=race_day + timedelta(hours=3),
                  ends_at=race_day + timedelta(hours=7), place_name="Bryggen")
    kari = make_contact(owner, name="Kari Nordmann", language="nb",
                        company_name="Nordlys Shipping")
    return owner, event, kari


@pytest.mark.long
def test_a_guest_answers_on_a_phone_in_norwegian_and_is_checked_in_at_the_door(
        app, live_server, browser, axe_source, screenshots, smtp_server, deliver_mail,
        make_invitation, make_contact, make_guest_who_came, stoltzen):
    owner, event, kari = stoltzen
    race, dinner = activity_ids(app, event)
    make_guest_who_came(event, make_contact(owner, name="Ola Bakken"))  # coming too
    make_invitation(event, kari, send=True)
    deliver_mail()
    [email] = smtp_server.to("guest")
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Kjære Kari Nordmann,")
    link = re.search(rf"{re.escape(live_server)}/r/[A-Za-z0-9_-]{{43}}", text).group(0)

    guest = browser.new_context(viewport=PHONE, locale="nb-NO", accept_downloads=True)
    guest.add_init_script(axe_source)  # under our Content-Security-Policy, not around it
    visit = Visit(guest.new_page(), screenshots)
    page = visit.page
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_text("Svar innen").is_visible()
    visit.check("invitasjon")

    page.locator(f'input[name="part_{race}"][value="yes"]').check()
    page.locator(f'input[name="part_{dinner}"][value="yes"]').check()
    page.get_by_label("Matbehov og allergier").fill("Vegetar")
    page.get_by_role("button", name="Lagre svaret mitt").click()
    assert page.get_by_text("Takk, svaret ditt er lagret.").is_visible()
    visit.check("svar-lagret")
    qr = page.locator("img.qr")  # the check-in code, an image of its own, shown drawn
    assert qr.get_attribute("alt") and qr.evaluate("img => img.complete && img.naturalWidth > 0")

    page.get_by_label("Måltid").fill("9:30")
    page.get_by_role("button", name="Lagre målet mitt").click()
    assert page.get_by_label("Måltid").input_value() == "9:30"
    visit.check("mal-lagret")

    with page.expect_download() as download:
        page.get_by_role("link", name="Legg til i kalenderen (.ics)").click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == [
        "Middag: Stoltzen opp", "Trappeløp: Stoltzen opp"]

    page.locator(f'input[name="part_{dinner}"][value="no"]').check()
    page.get_by_role("button", name="Lagre svaret mitt").click()
    assert page.get_by_text("Takk, svaret ditt er lagret.").is_visible()
    assert page.locator(f'input[name="part_{dinner}"][value="no"]').is_checked()
    visit.check("svar-endret")
    guest.close()

    organiser = browser.new_context(viewport=PHONE)
    organiser.add_init_script(axe_source)
    visit.page = page = organiser.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/events/{event.id}/guests")
    row = page.get_by_role("row").filter(has_text="Kari Nordmann")
    assert row.get_by_role("cell").nth(3).inner_text() == "Yes"   # the race
    assert row.get_by_role("cell").nth(4).inner_text() == "No"    # dinner, changed
    visit.check("organiser-guests")

    page.goto(f"{live_server}/events/{event.id}/check-in/{race}")
    assert page.get_by_role("button", name="Check in Ola Bakken").is_visible()
    page.get_by_label("Find a guest").press_sequentially("kari")  # filters as you type
    assert page.get_by_role("button", name="Check in Ola Bakken").is_hidden()
    page.get_by_role("button", name="Check in Kari Nordmann").click()
    assert page.locator(".door-count").inner_text().startswith("1 / 2")
    assert page.get_by_role("button", name="Undo Kari Nordmann").is_visible()
    visit.check("checked-in")
    organiser.close()

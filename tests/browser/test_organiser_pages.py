"""Every page of the site in a real browser, on a phone (390x844) and on a desktop (1280x800):
no sideways scrolling, no axe-core violation of WCAG 2.1 A/AA, no console error.

The pages come from the URL map, so a new page is checked without editing this file; only
routes that answer something other than an HTML page are left out, each with its reason. The
organiser is the demo organiser (``flask demo``): a published event with a race and a dinner,
every contact invited, three answers, two past editions with results, feedback and notes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.routing import Rule

from config import TestConfig
from eventplanner import create_app
from eventplanner.extensions import db
from eventplanner.seating.models import TableShape
from tests.browser.conftest import OUTPUT, page_problems, serve
from tests.conftest import app_for

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

#: Routes that are not HTML pages, and why they are left out.
NOT_PAGES = {
    "static": "stylesheets, scripts and icons",
    "health": "a plain-text health check",
    "auth.logout": "a POST that ends the session",
    "calendar.feed": "an .ics calendar feed",
    "events.event_calendar": "an .ics file",
    "rsvp.calendar_file": "an .ics file",
    "events.part_calendar": "an .ics file",
    "rsvp.part_calendar_file": "an .ics file",
    "invitations.export_answers": "a CSV file",
    "feedback.export_feedback": "a CSV file",
    "gifts.export": "a CSV file",
    "briefings.briefing_pdf": "a PDF (test_hosts reads it back)",
    "seating_print.door_list_export": "a CSV file",
    "seating_print.plan_download": "an SVG download (its page, seating_print.print_page, shows it)",
    "seating_print.place_cards": "a PDF file",
    "privacy.export_contact": "a JSON download",
    "rsvp.privacy_download": "a JSON download",
    "rsvp.check_in_image": "an SVG image (test_guest_flow sees it drawn on the guest page)",
    "api-docs.openapi_json": "the API's OpenAPI document (JSON; its reference page is walked)",
}
#: The API's operations answer JSON to a token, not pages (tests/test_api*.py).
API_OPERATIONS = "api_"
#: Pages that answer with an error status on purpose (the page itself is still checked).
EXPECTED_STATUS = {"rsvp.mangled_link": 404}
#: Pages for someone who is not logged in (the others need the organiser's login).
PUBLIC_PAGES = ("auth.", "rsvp.", "door.", "joining.", "api_reference.")


def html_pages() -> list[Rule]:
    app = create_app(TestConfig)
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
                   and (not rule.endpoint.startswith(API_OPERATIONS)
                        or rule.endpoint == "api_reference.reference")),
                  key=lambda rule: rule.endpoint)


@dataclass
class DemoSite:
    base: str
    ids: dict[str, int | str]

    def url(self, rule: Rule) -> str:
        ids = {**self.ids, "anything": str(self.ids["token"])[:20]}  # a link cut short
        if rule.endpoint.startswith("door."):
            ids["token"] = ids["helper_token"]
        if rule.endpoint == "rsvp.feedback":
            ids["token"] = ids["feedback_token"]
        if rule.endpoint == "auth.confirm_address":
            ids["token"] = ids["confirm_token"]
        if rule.endpoint == "auth.choose_new_password":
            ids["token"] = ids["reset_token"]
        if rule.endpoint == "joining.join":
            ids["token"] = ids["join_token"]
        values = {name: ids[name] for name in rule.arguments}
        return self.base + rule.build(values, append_unknown=False)[1]


def _client_visit_last_week(organiser, kari) -> str:
    """An event that ended two days ago, which Kari came to: her link to its feedback form."""
    from eventplanner.events.models import EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        EventDetails,
        add_activity,
        create_event,
    )
    from eventplanner.extensions import utcnow
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.links import invitation_token
    from eventplanner.invitations.models import AnswerStatus

    ended = utcnow().replace(tzinfo=None, microsecond=0) - timedelta(days=2)
    visit = create_event(organiser, EventDetails(
        title="Client visit", timezone="UTC", status=EventStatus.PUBLISHED,
        default_language="en", host_name="Ingrid Haugen", host_email=organiser.email))
    part = add_activity(visit, ActivityDetails(
        name="Harbour tour", starts_at=ended - timedelta(hours=2), ends_at=ended,
        place_name="Bryggen"))
    [invitation] = invite_contacts(visit, organiser, [kari.id], 0, send=False,
                                   now=utcnow()).invited
    respond_to_invitation(invitation, GuestAnswer({part.id: AnswerStatus.YES}), utcnow(),
                          changed_by="organiser")
    return invitation_token(invitation)


def _menu_question(event, invitation) -> int:
    """The dinner's menu (translated, marked), asked of every guest and plus-one, which
    Kari answers: the questions' pages, the kitchen list and her page show it."""
    from eventplanner.extensions import utcnow
    from eventplanner.questions.models import QuestionKind
    from eventplanner.questions.services import (
        ChoiceDetails,
        QuestionDetails,
        add_question,
        save_guest_answers,
    )

    other = "en" if event.default_language == "nb" else "nb"
    menu = add_question(event, QuestionDetails(
        QuestionKind.CHOICE, "Menu", {other: "Meny"}, required=True, ask_plus_ones=True,
        activity_id=event.activities[-1].id, choices=(
            ChoiceDetails("Fish", {other: "Fisk"}),
            ChoiceDetails("Vegetarian", {other: "Vegetar"}, "V"))), ["en", "nb"], event.owner)
    save_guest_answers(invitation, {(menu.id, person): str(menu.choices[1].id) for person in
                                    range(len(invitation.plus_one_names) + 1)}, utcnow(),
                       "organiser")
    return menu.id


def _demo_ids() -> dict[str, int | str]:
    """An id for every argument a route takes: the demo event's race, Kari Nordmann (who
    answered), her company, her invitation and email, a helper's link at the door, her
    link to the feedback on last week's visit, a new account's confirmation link, the
    demo organiser's link to choose a new password and an invitation to join the demo
    team (opened by someone without an account)."""
    from eventplanner.auth.models import Role
    from eventplanner.auth.services import new_password_reset_link, sign_up
    from eventplanner.checkin.services import add_helper, helper_token
    from eventplanner.contacts.models import Contact
    from eventplanner.demo import DEMO_EVENT_TITLE, load_demo_data
    from eventplanner.events.models import Event
    from eventplanner.extensions import utcnow
    from eventplanner.gifts.models import GiftDirection
    from eventplanner.gifts.services import GiftDetails, record_gift
    from eventplanner.invitations.links import invitation_token
    from eventplanner.invitations.models import Invitation
    from eventplanner.mail.models import Message
    from eventplanner.team.services import invite_member

    load_demo_data()
    event = db.session.scalar(select(Event).where(Event.title == DEMO_EVENT_TITLE))
    kari = db.session.scalar(select(Contact).where(Contact.name == "Kari Nordmann"))
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.contact_id == kari.id))
    helper = add_helper(event, "Door helper")
    menu = _menu_question(event, invitation)
    signed_up = sign_up("Nina Berg", "nina.berg@example.com", "fjord lantern sju øyne", "en",
                        utcnow())
    db.session.flush()
    ids = {"event_id": event.id, "activity_id": event.activities[0].id, "question_id": menu,
           "contact_id": kari.id, "company_id": kari.company_id,
           "host_id": event.owner.id,
           "invitation_id": invitation.id, "token": invitation_token(invitation),
           "message_id": db.session.scalar(select(Message.id).where(
               Message.invitation_id == invitation.id).order_by(Message.id)),
           "helper_token": helper_token(helper), "confirm_token": signed_up.token,
           "reset_token": new_password_reset_link(event.owner, utcnow()),
           "join_token": invite_member(event.workspace, event.owner, "new.colleague@example.com",
                                       Role.VIEWER, utcnow(), link_for=str).token,
           "feedback_token": _client_visit_last_week(event.owner, kari),
           "unanswered_token": invitation_token(db.session.scalar(select(Invitation).where(
               Invitation.event_id == event.id, Invitation.answered_at.is_(None))))}
    _mail_came_back(invitation)
    ids["table_id"] = _table_plan(event)
    ids["subscription_id"] = _webhook(event)
    record_gift(event.workspace_id, GiftDetails(
        GiftDirection.GIVEN, utcnow().date(), "Bottle of Aquavit", Decimal("600"), "NOK",
        "Stair race"), event.owner, contact=kari)
    db.session.commit()
    return ids


def _webhook(event) -> int:
    """A webhook of the demo team with a test event in its delivery log; returns its id."""
    from eventplanner.webhooks.models import WebhookSubscription
    from eventplanner.webhooks.services import send_test_event
    from eventplanner.webhooks.signing import new_secret

    subscription = WebhookSubscription(
        workspace_id=event.workspace_id, url="https://crm.example.com/hooks/eventplanner",
        description="CRM", event_types="invitation.answered guest.checked_in",
        secret=new_secret(), created_by_id=event.owner.id)
    db.session.add(subscription)
    db.session.flush()
    send_test_event(subscription, event.owner)
    return subscription.id


def _table_plan(event) -> int:
    """Tables at the race's part with a suggested plan (the guests who said yes, their
    plus-ones, and the demo's hosts); returns a table's id."""
    from eventplanner.seating.services import add_tables, suggest_for

    race = event.activities[0]
    tables = add_tables(race, event.owner, count=3, seats=6)
    add_tables(race, event.owner, name="Fjellet", seats=10, shape=TableShape.LONG)
    suggest_for(race, event.owner)
    return tables[0].id


def _mail_came_back(invitation) -> None:
    """Kari's answer from Outlook, one from her private address waiting for the organiser,
    a proposal of another time and a delivery report, for the incoming mail pages."""
    from eventplanner.calendar.services import part_uid
    from eventplanner.extensions import utcnow
    from eventplanner.inbox.services import receive_mail
    from eventplanner.invitations.reply_address import reply_address
    from tests import mail_samples

    address, race = reply_address(invitation), invitation.event.activities[0]
    uid, email = part_uid(race), invitation.contact.email
    for raw in (
            mail_samples.reply("outlook", to=address, attendee=email, uid=uid,
                               sequence=race.sequence, comment="Gleder meg!"),
            mail_samples.reply("gmail", to=address, attendee="kari.privat@example.org",
                               uid=uid, sequence=race.sequence, partstat="TENTATIVE"),
            mail_samples.counter(to=address, attendee=email, uid=uid,
                                 new_start=race.starts_at + timedelta(hours=1),
                                 new_end=race.ends_at + timedelta(hours=1)),
            mail_samples.bounce("exchange", to=address, failed_recipient=email, status="4.2.2")):
        receive_mail(raw, [address], utcnow())


@pytest.fixture(scope="module")
def demo_site(backend, tmp_path_factory) -> Iterator[DemoSite]:
    """The demo data on a copy of the migrated database, served once for every page."""
    copy = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(backend.url, copy)
    app: Flask = app_for(f"sqlite:///{copy}")
    with app.app_context():
        ids = _demo_ids()
    with serve(app) as base:
        yield DemoSite(base, ids)
    with app.app_context():
        db.engine.dispose()


class Screen:
    """One browser page at one size, reused for every visit; it records console errors."""

    def __init__(self, context, name: str) -> None:
        self.name, self.errors = name, []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def visit(self, url: str, name: str, expected_status: int = 200) -> list[str]:
        """Open the page, keep a screenshot named ``name`` and return what is wrong."""
        self.errors.clear()
        response = self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.page.screenshot(path=OUTPUT / "pages" / self.name / f"{name}.png", full_page=True)
        problems = [] if response.status == expected_status else [
            f"answered {response.status}"]
        document_status = f"the server responded with a status of {expected_status}"
        return problems + page_problems(self.page, SIZES[self.name]["width"]) + [
            f"console: {error}" for error in self.errors
            if expected_status == 200 or document_status not in error]


@pytest.fixture(scope="module")
def screens(browser, axe_source, demo_site) -> Iterator[dict[tuple[str, bool], Screen]]:
    """Per size, a screen logged in as the demo organiser and one for a visitor."""
    from eventplanner.demo import DEMO_EMAIL, DEMO_PASSWORD

    contexts, screens = [], {}
    for name, viewport in SIZES.items():
        # Each test process sets these screens up: the folders may be there already.
        (OUTPUT / "pages" / name).mkdir(parents=True, exist_ok=True)
        for logged_in in (True, False):
            context = browser.new_context(viewport=viewport)
            context.add_init_script(axe_source)
            contexts.append(context)
            screen = screens[name, logged_in] = Screen(context, name)
            if logged_in:
                screen.page.goto(f"{demo_site.base}/auth/login")
                screen.page.get_by_label("Email").fill(DEMO_EMAIL)
                screen.page.get_by_label("Password").fill(DEMO_PASSWORD)
                screen.page.get_by_role("button", name="Log in").click()
                screen.page.wait_for_url(f"{demo_site.base}/")
    yield screens
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("rule", html_pages(), ids=lambda rule: rule.endpoint)
def test_every_page_fits_the_screen_and_passes_axe(screens, demo_site, rule, size):
    logged_in = not rule.endpoint.startswith(PUBLIC_PAGES)
    url = demo_site.url(rule)
    problems = screens[size, logged_in].visit(url, rule.endpoint,
                                              EXPECTED_STATUS.get(rule.endpoint, 200))
    assert problems == [], f"{rule.endpoint} ({url}) on a {size}: {problems}"


#: Pages that answer a form rather than a link: (name, page, file field, file, button).
PREVIEWS = [
    ("contacts.import_preview", "/contacts/import", "CSV file",
     "name;email;company;language\nKari Nordmann;kari.nordmann@nordlys-shipping.example;"
     "Nordlys Shipping AS;nb\nNew Person;not-an-email;;fr\n", "Check the file"),
    ("goals.import_preview", "/events/{event_id}/parts/{activity_id}/results",
     "Results from a timing system (CSV)",
     "name,time,status\nKari Nordmann,9:41,\nJürgen Weiß,,dnf\nNobody Known,10:00,\n",
     "Check the file"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name, address, field, content, button", PREVIEWS,
                         ids=[preview[0] for preview in PREVIEWS])
def test_every_import_preview_fits_the_screen_and_passes_axe(
        screens, demo_site, size, name, address, field, content, button):
    """The pages an upload answers with (a good row, a known contact, a bad row)."""
    screen = screens[size, True]
    url = demo_site.base + address.format(**demo_site.ids)
    screen.page.goto(url)
    screen.page.get_by_label(field).set_input_files(files=[{
        "name": "import.csv", "mimeType": "text/csv", "buffer": content.encode()}])
    screen.errors.clear()
    with screen.page.expect_navigation():
        screen.page.get_by_role("button", name=button).click()
    screen.page.screenshot(path=OUTPUT / "pages" / size / f"{name}.png", full_page=True)
    problems = page_problems(screen.page, SIZES[size]["width"]) + screen.errors
    assert problems == [], f"{name} (after {url}) on a {size}: {problems}"


def test_a_rejected_form_puts_the_cursor_on_its_first_field_in_error(screens, demo_site):
    """Any form drawn with the shared field macro: the first field in error has the focus,
    and each field in error says so and names the text that explains it."""
    page = screens["desktop", True].page
    page.goto(f"{demo_site.base}/contacts/new")
    page.get_by_label("Email").fill("kari@")  # the name left empty
    with page.expect_navigation():
        page.get_by_label("Email").press("Enter")
    expect(page.locator('[name="name"]'), "the cursor is on the first field in error"
           ).to_be_focused(timeout=2000)
    for name, explanation in (("name", "This field is required."),
                              ("email", "Enter a valid email address.")):
        field = page.locator(f'[name="{name}"]')
        assert field.get_attribute("aria-invalid") == "true"
        described_by = field.get_attribute("aria-describedby")
        assert page.locator(f"#{described_by}").inner_text() == explanation


def test_a_guest_who_forgets_a_part_gets_the_cursor_on_it(screens, demo_site):
    """The guest's form: the yes / no / maybe groups say they are in error, name the text
    that explains why, take the cursor, and pass axe on a phone in that state too."""
    page = screens["phone", False].page
    page.goto(f"{demo_site.base}/r/{demo_site.ids['unanswered_token']}")
    with page.expect_navigation():
        page.locator("form button.primary.wide").click()  # nothing chosen
    first_part = page.locator('input[name^="part_"]').first
    name = first_part.get_attribute("name")
    expect(first_part, "the cursor is on the first part").to_be_focused(timeout=2000)
    for option in page.locator(f'input[name="{name}"]').all():
        assert option.get_attribute("aria-invalid") == "true"
        explanation = page.locator("#" + option.get_attribute("aria-describedby"))
        assert explanation.inner_text().strip()
    assert page_problems(page, SIZES["phone"]["width"]) == []

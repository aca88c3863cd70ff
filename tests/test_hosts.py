"""Hosts: an event's hosts, who looks after whom (their account manager by default, chosen
by guest, by company, or shared evenly), the guest page naming their host, each host's
briefing (page, PDF, email by ``flask mail send-due``), and what cannot be done."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from eventplanner.auth.models import Organiser, Role
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Event, EventHost, EventStatus
from eventplanner.extensions import db, utcnow
from eventplanner.feedback.relationships import add_note
from eventplanner.gifts.models import GiftDirection
from eventplanner.gifts.services import GiftDetails, record_gift
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.services import record_result, set_goal
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.hosts import host_ids_by_invitation, set_event_hosts
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.mail.models import Message
from eventplanner.questions.services import save_guest_answers
from eventplanner.seating.services import add_tables, guest_key, seat_person
from tests.conftest import ROOT, context_of, next_year_at
from tests.test_questions import ask


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def dinner_event(make_organiser, make_event, make_activity):
    owner = make_organiser(name="Ingrid Haugen")
    event = make_event(owner, title="Stoltzen 2027", status="published")
    make_activity(event, name="Stair race")
    make_activity(event, name="Dinner", kind="standard",
                  starts_at=next_year_at(10, 1, 19), ends_at=next_year_at(10, 1, 23))
    return owner, event


def hosts_of(app, event) -> dict[int, int | None]:
    with app.app_context():
        event = db.session.get(Event, event.id)
        invitations = db.session.scalars(select(Invitation).where(
            Invitation.event_id == event.id)).all()
        return host_ids_by_invitation(event, invitations)


def set_hosts(browser, event, *hosts):
    return browser.submit(f"/events/{event.id}/hosts", {"host_ids": [str(h.id) for h in hosts]})


def test_the_account_manager_who_hosts_is_the_guests_host_and_their_page_names_them(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide", phone="+47 912 34 567")
    sofie = make_member(owner, name="Sofie Lunde", phone="+47 400 00 001")
    kari = make_contact(owner, name="Kari Nordmann", account_manager_id=jonas.id)
    invitation = make_invitation(event, kari)
    browser = log_in(owner)
    guest = app.test_client()

    page = guest.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "Jonas Eide" not in page, "not hosting yet"

    assert set_hosts(browser, event, jonas, sofie).status_code == 302
    page = guest.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "Jonas Eide looks after you at the event." in page
    assert 'href="tel:+4791234567"' in page

    browser.submit(f"/events/{event.id}/hosts/guests", {
        "invitation_ids": [str(invitation.id)], "host_id": str(sofie.id)})
    assert hosts_of(app, event) == {invitation.id: sofie.id}
    assert "Sofie Lunde looks after you" in guest.get(f"/r/{invitation.token}").get_data(
        as_text=True), "the cached page follows the change"

    browser_sofie = log_in(sofie)
    browser_sofie.submit("/auth/profile", {"name": "Sofie Lunde-Berg", "phone": "+47 400 99 999",
                                           "language": "en"})
    page = guest.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "Sofie Lunde-Berg looks after you" in page and "+47 400 99 999" in page

    set_hosts(browser, event, jonas)  # Sofie stops hosting: back to the account manager
    assert hosts_of(app, event) == {invitation.id: jonas.id}
    assert "Jonas Eide looks after you" in guest.get(f"/r/{invitation.token}").get_data(
        as_text=True)


def test_a_company_gets_one_host_and_the_rest_is_shared_evenly_keeping_companies_together(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    owner, event = dinner_event
    hosts = [make_member(owner, name=name) for name in ("Anna", "Bjørn", "Cecilie")]
    invitations = {}
    for company, size in (("Nordlys", 4), ("Fjord", 3), ("Havn", 2), ("Berg", 2), ("Dal", 1)):
        for number in range(size):
            contact = make_contact(owner, name=f"{company} {number}", company_name=company)
            invitations.setdefault(company, []).append(make_invitation(event, contact))
    loner = make_invitation(event, make_contact(owner, name="No Company"))
    browser = log_in(owner)
    set_hosts(browser, event, *hosts)
    with app.app_context():
        nordlys_id = db.session.get(Contact, invitations["Nordlys"][0].contact_id).company_id
    response = browser.submit(f"/events/{event.id}/hosts/company", {
        "company_id": str(nordlys_id), "host_id": str(hosts[0].id)})
    assert "4 guests have a new host." in text_of(browser.get(response.location).get_data(
        as_text=True))

    response = browser.submit(f"/events/{event.id}/hosts/share", {})
    assert "9 guests have a host now." in text_of(browser.get(response.location).get_data(
        as_text=True))
    chosen = hosts_of(app, event)
    assert all(chosen[i.id] == hosts[0].id for i in invitations["Nordlys"])
    for company, guests in invitations.items():
        assert len({chosen[i.id] for i in guests}) == 1, f"{company} has one host"
    load = Counter(chosen.values())
    assert None not in load and chosen[loner.id] is not None
    assert max(load.values()) - min(load.values()) <= 1, load

    response = browser.submit(f"/events/{event.id}/hosts/share", {})
    assert "0 guests have a host now." in text_of(browser.get(response.location).get_data(
        as_text=True)), "sharing again changes nothing"


def test_hosts_and_their_guests_are_chosen_only_among_the_team_and_the_events_guests(
        app, dinner_event, make_member, make_organiser, make_event, make_contact,
        make_invitation, log_in):
    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide")
    stranger = make_organiser(name="Someone Else")
    other_event = make_event(owner, title="Christmas")
    theirs = make_invitation(other_event, make_contact(owner))
    ours = make_invitation(event, make_contact(owner))
    browser = log_in(owner)

    page = text_of(browser.get(browser.submit(f"/events/{event.id}/hosts", {
        "host_ids": [str(jonas.id), str(stranger.id)]}).location).get_data(as_text=True))
    assert "not a valid choice" in page
    with app.app_context():
        assert db.session.scalars(select(EventHost)).all() == [], "nothing half-saved"

    set_hosts(browser, event, jonas)
    for form, message in (
            ({"invitation_ids": [str(ours.id)], "host_id": str(owner.id)}, "not a valid choice"),
            ({"invitation_ids": [], "host_id": str(jonas.id)}, "Tick the guests first."),
            ({"invitation_ids": [str(ours.id), str(theirs.id)], "host_id": str(jonas.id)},
             "We could not find that page."),
            ({"invitation_ids": ["x"], "host_id": str(jonas.id)}, "Tick the guests first.")):
        response = browser.submit(f"/events/{event.id}/hosts/guests", form)
        assert response.status_code == 302
        page = text_of(browser.get(response.location).get_data(as_text=True))
        assert message.lower() in page.lower(), form
    assert hosts_of(app, event) == {ours.id: None}
    response = browser.submit(f"/events/{event.id}/hosts/company", {
        "company_id": "999999", "host_id": str(jonas.id)})
    assert "not a valid choice" in text_of(browser.get(response.location).get_data(
        as_text=True)).lower()
    for days, message in (("-1", "between 0 and 60"), ("61", "between 0 and 60"),
                          ("9" * 30, "between 0 and 60"), ("soon", "Not a valid integer")):
        response = browser.submit(f"/events/{event.id}/hosts/briefing-schedule",
                                  {"days_before": days})
        assert message in text_of(browser.get(response.location).get_data(as_text=True))
    assert browser.get(f"/events/{event.id}/hosts/{owner.id}/briefing").status_code == 404


def test_a_viewer_reads_the_briefings_but_changes_no_host(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    owner, event = dinner_event
    viewer = make_member(owner, Role.VIEWER, name="Vera Viewer")
    kari = make_invitation(event, make_contact(owner, name="Kari Nordmann",
                                               account_manager_id=viewer.id))
    set_hosts(log_in(owner), event, viewer)
    browser = log_in(viewer)
    dashboard = text_of(browser.get("/").get_data(as_text=True))
    assert "You host Stoltzen 2027" in dashboard and "1 guest to look after" in dashboard
    page = browser.get(f"/events/{event.id}/hosts").get_data(as_text=True)
    assert "Kari Nordmann" in page and "Save the hosts" not in page
    assert "Briefing for Vera Viewer" in browser.get(f"/events/{event.id}/my-guests").get_data(
        as_text=True)
    assert "You do not host this event." in log_in(owner).get(
        f"/events/{event.id}/my-guests").get_data(as_text=True)
    assert "Kari Nordmann" in browser.get(
        f"/events/{event.id}/hosts/{viewer.id}/briefing").get_data(as_text=True)
    for url, form in ((f"/events/{event.id}/hosts", {"host_ids": []}),
                      (f"/events/{event.id}/hosts/guests",
                       {"invitation_ids": [str(kari.id)], "host_id": "0"}),
                      (f"/events/{event.id}/hosts/share", {})):
        assert browser.submit(url, form).status_code == 403
    assert hosts_of(app, event) == {kari.id: viewer.id}


def test_a_member_who_leaves_the_team_hosts_nobody_any_more(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide")
    kari = make_invitation(event, make_contact(owner, name="Kari Nordmann"))
    browser = log_in(owner)
    set_hosts(browser, event, jonas, owner)
    browser.submit(f"/events/{event.id}/hosts/guests", {
        "invitation_ids": [str(kari.id)], "host_id": str(jonas.id)})
    guest_page = app.test_client().get(f"/r/{kari.token}").get_data(as_text=True)
    assert "Jonas Eide looks after you" in guest_page
    assert browser.submit(f"/team/members/{jonas.id}/remove", {}).status_code == 303
    with app.app_context():
        assert [h.organiser_id for h in db.session.scalars(select(EventHost))] == [owner.id]
    assert hosts_of(app, event) == {kari.id: None}
    page = app.test_client().get(f"/r/{kari.token}").get_data(as_text=True)
    assert "Jonas Eide" not in page
    assert browser.get(f"/events/{event.id}/hosts/{jonas.id}/briefing").status_code == 404


def seed_history(app, owner, make_event, make_activity, make_contact, make_guest_who_came,
                 make_invitation, host):
    """Kari came to Stoltzen 2023 (9:50 on the stairs, a 9 for the event), nothing since;
    her colleague Ola and Per from another company are invited to Stoltzen 2027."""
    past = make_event(owner, title="Stoltzen 2023", status="published", series_name="Stoltzen")
    starts = utcnow().replace(microsecond=0) - timedelta(days=3 * 365 + 30)
    race_2023 = make_activity(past, name="Stair race", starts_at=starts.replace(tzinfo=None),
                              ends_at=(starts + timedelta(hours=1)).replace(tzinfo=None))
    kari = make_contact(owner, name="Kari Nordmann", company_name="Nordlys Shipping",
                        job_title="Head of procurement", account_manager_id=host.id,
                        dietary_notes="No nuts")
    make_guest_who_came(past, kari, score=9, did_well="The view from the top")
    with context_of(app):
        invitation = db.session.scalars(select(Invitation).where(
            Invitation.event_id == past.id)).one()
        record_result(db.session.get(type(race_2023), race_2023.id), invitation,
                      ResultStatus.FINISHED, "9:50")
        contact = db.session.get(Contact, kari.id)
        workspace_id = contact.workspace_id
        add_note("Has a dog called Bamse", date(2026, 5, 1), contact=contact,
                 author=db.session.get(Organiser, owner.id))
        add_note("Private: owes me a coffee", date(2026, 5, 2), contact=contact,
                 author=db.session.get(Organiser, owner.id), private=True)
        add_note("Nordlys is moving offices", date(2026, 5, 3), company=contact.company,
                 author=db.session.get(Organiser, owner.id))
        record_gift(workspace_id, GiftDetails(GiftDirection.GIVEN, date(2026, 12, 1),
                                              "Bottle of Aquavit"),
                    db.session.get(Organiser, owner.id), contact=contact)
        db.session.commit()
    ola = make_contact(owner, name="Ola Nordmann", company_name="Nordlys Shipping")
    return kari, ola


def answer(app, invitation, answers: dict, **rest):
    with context_of(app):
        live = db.session.get(Invitation, invitation.id)
        respond_to_invitation(live, GuestAnswer(answers, **rest), utcnow(),
                              changed_by="guest")
        db.session.commit()


def test_the_briefing_tells_the_host_what_to_know_about_each_guest_on_page_and_in_pdf(
        app, backend, make_organiser, make_member, make_event, make_activity, make_contact,
        make_invitation, make_guest_who_came, log_in):
    owner = make_organiser(name="Ingrid Haugen")
    host = make_member(owner, name="Jonas Eide")
    kari, ola = seed_history(app, owner, make_event, make_activity, make_contact,
                             make_guest_who_came, make_invitation, host)
    event = make_event(owner, title="Stoltzen 2027", status="published", series_name="Stoltzen")
    race = make_activity(event, name="Stair race")
    dinner = make_activity(event, name="Dinner", kind="standard",
                           starts_at=next_year_at(10, 1, 19), ends_at=next_year_at(10, 1, 23))
    invitation = make_invitation(event, kari, plus_ones_allowed=1)
    colleague = make_invitation(event, ola)
    make_invitation(event, make_contact(owner, name="Per Hansen",
                                    account_manager_id=host.id))
    menu = ask(app, event, activity=dinner, ask_plus_ones=True)
    answer(app, invitation, {race.id: AnswerStatus.YES, dinner.id: AnswerStatus.YES},
           plus_one_names=("Erik Nordmann",), dietary_needs="Vegetarian")
    with context_of(app):
        save_guest_answers(db.session.get(Invitation, invitation.id), {
            (menu.id, 0): str(menu.choices[1].id), (menu.id, 1): str(menu.choices[0].id)},
            utcnow())
        db.session.commit()
    answer(app, colleague, {race.id: AnswerStatus.NO, dinner.id: AnswerStatus.YES})
    with context_of(app):
        set_goal(db.session.get(Invitation, invitation.id), db.session.get(type(race), race.id),
                 "9:30", "", "Beat my time from 2023")
        set_event_hosts(db.session.get(Event, event.id), [host.id], db.session.get(
            Organiser, owner.id))
        live_dinner, by = db.session.get(type(dinner), dinner.id), db.session.get(
            Organiser, owner.id)
        [table] = add_tables(live_dinner, by, count=1, seats=8, name="Fjellet")
        seat_person(live_dinner, guest_key(invitation.id, 0), table.id, by)
        db.session.commit()

    page = text_of(log_in(owner).get(
        f"/events/{event.id}/hosts/{host.id}/briefing").get_data(as_text=True))
    for fact in ("Kari Nordmann", "Head of procurement, Nordlys Shipping",
                 "Stair race: Yes · Dinner: Yes", "Erik Nordmann", "Vegetarian; No nuts",
                 "target 9:30", "earlier best: 9:50", "Beat my time from 2023",
                 "Came once before", "3 years since last time", "Recommend score 9",
                 "The view from the top", "Has a dog called Bamse", "Nordlys is moving offices",
                 "owes me a coffee", "Bottle of Aquavit", "Also coming from Nordlys Shipping",
                 "Ola Nordmann", "Per Hansen", "First time with us",
                 "Answers to your questions Menu: Vegetarian", "Erik Nordmann Menu: Fish",
                 "Table at Dinner Fjellet"):
        assert fact in page, fact

    as_host = text_of(log_in(host).get(
        f"/events/{event.id}/hosts/{host.id}/briefing").get_data(as_text=True))
    assert "Has a dog called Bamse" in as_host and "owes me a coffee" not in as_host, \
        "another member's private note stays private"

    pdf = log_in(host).get(f"/events/{event.id}/hosts/{host.id}/briefing.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Kari Nordmann" in text and "Bottle of Aquavit" in text and "Per Hansen" in text
    width, height = PdfReader(io.BytesIO(pdf.data)).pages[0].mediabox.upper_right
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    if backend.name == "sqlite":
        keep_for_the_eye("briefing", pdf.data)


def keep_for_the_eye(name: str, pdf: bytes) -> None:
    """test-output/<name>.pdf, and a PNG of its first page when pdftoppm is there."""
    import shutil
    import subprocess

    output = ROOT / "test-output"
    output.mkdir(exist_ok=True)
    (output / f"{name}.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", "-f", "1", "-l", "1",
                        str(output / f"{name}.pdf"), str(output / name)], check=True)


def test_each_host_gets_their_briefing_once_on_the_chosen_morning(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    from tests.test_feedback_requests import send_due

    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide")
    make_invitation(event, make_contact(owner, name="Kari Nordmann",
                                               account_manager_id=jonas.id))
    browser = log_in(owner)
    set_hosts(browser, event, jonas)
    response = browser.submit(f"/events/{event.id}/hosts/briefing-schedule",
                              {"days_before": "2"})
    page = text_of(browser.get(response.location).get_data(as_text=True))
    assert "Each host gets their briefing by email on" in page
    with app.app_context():
        starts = db.session.get(Event, event.id).starts_at
    morning = (starts - timedelta(days=2)).replace(hour=7, minute=0)  # 09:00 in Oslo (CEST)
    with time_machine.travel(morning - timedelta(minutes=1), tick=False):
        assert "0 briefings" in send_due(app)
    with time_machine.travel(morning, tick=False):
        assert "1 briefings" in send_due(app)
        assert "0 briefings" in send_due(app), "sent once"
    set_hosts(browser, event, jonas, owner)  # a host added later gets theirs next run
    with time_machine.travel(morning + timedelta(hours=1), tick=False):
        assert "1 briefings" in send_due(app)
    with app.app_context():
        sent = {m.recipient: m for m in db.session.scalars(
            select(Message).where(Message.kind == "briefing"))}
        assert set(sent) == {jonas.email, owner.email}
        assert "Kari Nordmann" in sent[jonas.email].body_text
        assert f"/events/{event.id}/hosts/{jonas.id}/briefing" in sent[jonas.email].body_text
        assert "Kari Nordmann" not in sent[owner.email].body_text
        assert sent[jonas.email].subject == "Your guests at Stoltzen 2027"
        assert db.session.scalar(select(Message).where(
            Message.recipient != jonas.email, Message.recipient != owner.email)) is None


def test_no_briefing_mail_for_a_draft_event_or_one_that_has_started(
        app, dinner_event, make_member, make_event, make_activity, log_in):
    from tests.test_feedback_requests import send_due

    owner, event = dinner_event
    jonas = make_member(owner)
    draft = make_event(owner, title="Draft")
    make_activity(draft)
    for each in (event, draft):
        with app.app_context():
            live = db.session.get(Event, each.id)
            live.briefing_days_before = 1
            set_event_hosts(live, [jonas.id], db.session.get(Organiser, owner.id))
            db.session.commit()
    with app.app_context():
        starts = db.session.get(Event, event.id).starts_at
    with time_machine.travel(starts + timedelta(minutes=1), tick=False):
        assert "0 briefings" in send_due(app)
    with app.app_context():
        assert db.session.get(Event, draft.id).status is EventStatus.DRAFT


@pytest.mark.parametrize("how", ["taken off the hosts", "out of the team"])
def test_a_host_who_stops_hosting_leaves_the_table_plan(
        app, dinner_event, make_member, make_contact, make_invitation, log_in, how):
    from eventplanner.events.models import Activity
    from eventplanner.seating.models import SeatPlace
    from eventplanner.seating.services import add_tables, host_key, seat_person

    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide")
    browser = log_in(owner)
    set_hosts(browser, event, jonas, owner)
    with context_of(app):
        dinner = db.session.scalars(select(Activity).where(
            Activity.event_id == event.id, Activity.name == "Dinner")).one()
        by = db.session.get(Organiser, owner.id)
        [table] = add_tables(dinner, by, count=1, seats=8)
        for host in (jonas, owner):
            seat_person(dinner, host_key(host.id), table.id, by)
        db.session.commit()
    if how == "taken off the hosts":
        set_hosts(browser, event, owner)
    else:
        assert browser.submit(f"/team/members/{jonas.id}/remove", {}).status_code == 303
    with app.app_context():
        assert [p.organiser_id for p in db.session.scalars(select(SeatPlace))] == [owner.id]


def test_the_briefing_and_the_hosts_page_read_as_many_queries_for_two_guests_as_for_six(
        app, dinner_event, make_member, make_contact, make_invitation, log_in):
    """Each guest has a company, an account manager, answers, a note and a gift: none of it
    is read one guest at a time."""
    from tests.conftest import statements_run

    owner, event = dinner_event
    jonas = make_member(owner, name="Jonas Eide")
    browser = log_in(owner)
    set_hosts(browser, event, jonas)
    counts = []
    for number in range(6):
        contact = make_contact(owner, name=f"Guest {number}", company_name=f"Client {number}",
                               account_manager_id=jonas.id)
        invitation = make_invitation(event, contact)
        answer(app, invitation, {event_activity: AnswerStatus.YES
                                 for event_activity in activity_ids_of(app, event)},
               plus_one_names=())
        with context_of(app):
            live = db.session.get(Contact, contact.id)
            add_note(f"Note {number}", date(2026, 5, 1), contact=live,
                     author=db.session.get(Organiser, owner.id))
            record_gift(live.workspace_id, GiftDetails(GiftDirection.GIVEN, date(2026, 6, 1),
                                                       "Aquavit"),
                        db.session.get(Organiser, owner.id), contact=live)
            db.session.commit()
        if number in (1, 5):
            for url in (f"/events/{event.id}/hosts/{jonas.id}/briefing",
                        f"/events/{event.id}/hosts"):
                browser.get(url)  # warm
                with statements_run(app) as statements:
                    assert browser.get(url).status_code == 200
                counts.append((url, len(statements)))
    assert counts[:2] == counts[2:], counts


def activity_ids_of(app, event) -> list[int]:
    from tests.conftest import activity_ids
    return activity_ids(app, event)

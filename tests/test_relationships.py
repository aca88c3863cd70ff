"""The relationship memory: a contact's page, a company's page, notes, and the dashboard's
guests to look after; each organiser sees only their own."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventplanner.extensions import db, utcnow
from tests.conftest import next_year_at

THIS_YEAR = utcnow().year


def text_of(page: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def stoltzen(make_organiser, make_event, make_activity):
    """Three autumns of a stair race (race and dinner) in one series, the last two past."""
    owner = make_organiser()

    def edition(year: int, start: datetime | None = None):
        event = make_event(owner=owner, status="published", series_name="Stoltzen",
                           title=f"Stoltzen {year}")
        start = start or datetime(year, 9, 5, 16)
        make_activity(event, name="Stair race", starts_at=start,
                      ends_at=start + timedelta(hours=1))
        make_activity(event, name="Dinner", kind="standard",
                      starts_at=start + timedelta(hours=3), ends_at=start + timedelta(hours=6))
        return event

    return owner, edition


def record(app, invitation, time: str = "", goal: str = "") -> None:
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result, set_goal
    from eventplanner.invitations.models import Invitation

    with app.app_context():
        live = db.session.get(Invitation, invitation.id)
        race = live.event.activities[0]
        if goal:
            set_goal(live, race, goal, "", "beat my boss")
        record_result(race, live, ResultStatus.FINISHED if time else ResultStatus.DNF, time)
        db.session.commit()


def test_a_contacts_page_tells_their_whole_history(app, stoltzen, make_contact, make_invitation,
                                                   make_guest_who_came, log_in):
    owner, edition = stoltzen
    first, second, coming = (edition(THIS_YEAR - 3), edition(THIS_YEAR - 2),
                             edition(THIS_YEAR + 1))
    skipped = edition(THIS_YEAR - 1)
    contact = make_contact(owner, name="Kari Nordmann", dietary_notes="No nuts")
    record(app, make_guest_who_came(first, contact), time="9:40")
    race_two = make_guest_who_came(second, contact, score=4, do_better="Cold soup")
    record(app, race_two, time="9:12", goal="9:00")
    make_invitation(skipped, contact)  # invited, never answered
    make_invitation(coming, contact)

    page = log_in(owner).get(f"/contacts/{contact.id}").get_data(as_text=True)
    words = text_of(page)
    assert "Kari Nordmann" in words and "No nuts" in words
    assert "4 invitations" in words and "2 events attended" in words
    assert "2 years ago last came" in words
    assert "4 latest recommend score" in words
    # Newest first: upcoming, missed, came twice.
    events = words.split("Add note", 1)[1]
    order = [events.index(f"Stoltzen {year}") for year in
             (THIS_YEAR + 1, THIS_YEAR - 1, THIS_YEAR - 2, THIS_YEAR - 3)]
    assert order == sorted(order)
    assert f"Stoltzen {THIS_YEAR + 1}" in events.split("Upcoming")[0]
    assert "Did not come" in words
    assert "Stair race: target 9:00 · 9:12 PB" in words
    assert "Recommend score 4 · Detractor" in words and "Cold soup" in words
    assert (f"Races over the years Stair race Stoltzen {THIS_YEAR - 3} 9:40 "
            f"{THIS_YEAR - 2} 9:12 PB") in words


def test_notes_are_dated_kept_and_deleted_and_bad_ones_are_refused(app, make_organiser,
                                                                    make_contact, log_in):
    from eventplanner.feedback.models import Note

    owner = make_organiser()
    contact, other = make_contact(owner), make_contact(owner)
    organiser = log_in(owner)
    response = organiser.submit(f"/contacts/{contact.id}/notes", {
        "noted_on": "2025-12-12", "text": "Gave us chocolate at the Christmas meeting"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#notes")
    organiser.submit(f"/contacts/{contact.id}/notes", {"noted_on": "2026-03-01",
                                                       "text": "Has a dog"})
    page = text_of(organiser.get(f"/contacts/{contact.id}").get_data(as_text=True))
    assert page.index("Mar 1, 2026 Has a dog") < page.index(
        "Dec 12, 2025 Gave us chocolate at the Christmas meeting")

    for fields, message in (({"noted_on": "2026-03-01", "text": "  "}, "Write the note first."),
                            ({"noted_on": "someday", "text": "x"}, "Not a valid date value."),
                            ({"noted_on": "2026-03-01", "text": "x" * 2001},
                             "A note is at most 2000 characters.")):
        response = organiser.submit(f"/contacts/{contact.id}/notes", fields)
        assert message in organiser.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        notes = list(db.session.scalars(select(Note).order_by(Note.noted_on)))
    assert [n.text for n in notes] == ["Gave us chocolate at the Christmas meeting",
                                       "Has a dog"]
    # A note is deleted only through its own contact's page.
    assert organiser.submit(f"/contacts/{other.id}/notes/{notes[0].id}/delete").status_code \
        == 404
    organiser.submit(f"/contacts/{contact.id}/notes/{notes[0].id}/delete")
    with app.app_context():
        assert list(db.session.scalars(select(Note.text))) == ["Has a dog"]


def test_a_companys_page_shows_attendance_nps_per_year_and_its_fans(
        app, stoltzen, make_contact, make_invitation, make_guest_who_came, log_in):
    from eventplanner.contacts.models import Company

    owner, edition = stoltzen
    older, newer = edition(THIS_YEAR - 2), edition(THIS_YEAR - 1)
    ada = make_contact(owner, name="Ada", company_name="Fjord Bank")
    bo = make_contact(owner, name="Bo", company_name="Fjord Bank")
    cy = make_contact(owner, name="Cy", company_name="Fjord Bank")
    make_contact(owner, name="Elsewhere", company_name="Other AS")
    make_guest_who_came(older, ada, score=10)
    make_guest_who_came(older, bo, score=9)
    make_guest_who_came(newer, ada, score=10)
    make_guest_who_came(newer, bo, score=3)
    make_invitation(newer, cy)  # did not come
    with app.app_context():
        company_id = db.session.scalar(select(Company.id).where(Company.name == "Fjord Bank"))
    organiser = log_in(owner)
    organiser.submit(f"/contacts/companies/{company_id}/notes", {
        "noted_on": "2026-05-02", "text": "New CEO since spring"})
    words = text_of(organiser.get(f"/contacts/companies/{company_id}").get_data(as_text=True))
    year_table = words.split("Average score", 1)[1].strip()
    assert year_table.startswith(f"{THIS_YEAR - 2} 2 2 2 100 9.5 {THIS_YEAR - 1} 3 2 2 0 6.5")
    assert "Promoters Ada · 10" in words and "Detractors Bo · 3" in words
    assert "Elsewhere" not in words
    assert "New CEO since spring" in words
    listing = text_of(organiser.get("/contacts/companies/").get_data(as_text=True))
    assert "Fjord Bank 3" in listing and "Other AS 1" in listing


def test_the_dashboard_names_guests_to_look_after_at_the_next_event(
        app, stoltzen, make_contact, make_invitation, make_guest_who_came, log_in):
    owner, edition = stoltzen
    long_ago, last_year, coming = (edition(THIS_YEAR - 3), edition(THIS_YEAR - 1),
                                   edition(THIS_YEAR + 1))
    recent_start = (utcnow() - timedelta(days=40)).replace(tzinfo=None, hour=12, minute=0)
    recent = edition(recent_start.year, start=recent_start)
    absent = make_contact(owner, name="Absent Anna")
    unhappy = make_contact(owner, name="Unhappy Ulf")
    regular = make_contact(owner, name="Regular Rita")
    never = make_contact(owner, name="Never Nils")
    newcomer = make_contact(owner, name="New Nora")
    make_guest_who_came(long_ago, absent, score=9)
    make_guest_who_came(last_year, unhappy, score=5)
    make_guest_who_came(last_year, regular, score=10)
    make_guest_who_came(recent, regular)
    make_invitation(last_year, never)
    for contact in (absent, unhappy, regular, never, newcomer):
        make_invitation(coming, contact)
    page = text_of(log_in(owner).get("/").get_data(as_text=True))
    section = page.split(f"Look after them at Stoltzen {THIS_YEAR + 1}", 1)[1].split(
        "Your events in your calendar")[0]
    assert f"Unhappy Ulf : gave 5 at Stoltzen {THIS_YEAR - 1}" in section
    assert re.search(r"Absent Anna : last came \d+ years ago", section)
    assert "Never Nils : has not come to an earlier event" in section
    assert "Regular Rita" not in section and "New Nora" not in section


def test_the_contact_page_costs_the_same_queries_for_a_long_history(
        app, stoltzen, make_contact, make_guest_who_came, log_in):
    owner, edition = stoltzen
    short, long = make_contact(owner), make_contact(owner)
    make_guest_who_came(edition(THIS_YEAR - 6), short, score=8)
    for years_ago in range(1, 6):
        record(app, make_guest_who_came(edition(THIS_YEAR - years_ago), long, score=9),
               time=f"9:{10 + years_ago}")
    organiser = log_in(owner)

    def queries_for(url: str) -> int:
        statements = []

        def count(*_args) -> None:
            statements.append(1)

        with app.app_context():
            engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert organiser.get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(f"/contacts/{long.id}") == queries_for(f"/contacts/{short.id}")


def test_another_organisers_contacts_and_companies_are_not_found(
        app, make_organiser, make_contact, log_in):
    owner = make_organiser()
    contact = make_contact(owner, name="Secret", company_name="Secret AS")
    intruder = log_in(make_organiser())
    assert intruder.get(f"/contacts/{contact.id}").status_code == 404
    assert intruder.get(f"/contacts/companies/{contact.company_id}").status_code == 404
    assert "Secret" not in intruder.get("/contacts/companies/").get_data(as_text=True)
    assert intruder.submit(f"/contacts/{contact.id}/notes", {
        "noted_on": "2026-01-01", "text": "x"}).status_code == 404


def test_an_upcoming_event_with_no_history_shows_no_look_after_list(
        make_organiser, make_event, make_activity, make_contact, make_invitation, log_in):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event, starts_at=next_year_at(6, 1, 16))
    make_invitation(event, make_contact(owner))
    assert "Look after them" not in log_in(owner).get("/").get_data(as_text=True)


# --- what a co-organiser sees: only events they may open ---------------------------------

def invite_as(app, organiser, event, contact, score: int | None = None,
              time: str = "", feedback: str = ""):
    """``organiser`` invites their own contact to ``event`` (ended); the guest came to every
    part, ran the race in ``time`` and gave ``score``."""
    from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.models import AnswerStatus

    with app.app_context():
        live = db.session.merge(event)
        [invitation] = invite_contacts(live, db.session.merge(organiser), [contact.id], 0,
                                       send=False, now=utcnow()).invited
        respond_to_invitation(invitation, GuestAnswer(
            {a.id: AnswerStatus.YES for a in live.activities}), utcnow(),
            changed_by="organiser")
        if time:
            record_result(live.activities[0], invitation, ResultStatus.FINISHED, time)
        if score is not None:
            submit_feedback(invitation, FeedbackAnswer(score=score, do_better=feedback),
                            live.ends_at + timedelta(hours=1))
        db.session.commit()


def co_organise(app, event, organiser) -> None:
    from eventplanner.events.models import Event
    from eventplanner.events.services import add_co_organiser

    with app.app_context():
        live = db.session.get(Event, event.id)
        add_co_organiser(live, live.owner, organiser.email)
        db.session.commit()


def stop_co_organising(app, event, organiser) -> None:
    from eventplanner.events.models import Event
    from eventplanner.events.services import remove_co_organiser

    with app.app_context():
        live = db.session.get(Event, event.id)
        remove_co_organiser(live, live.owner, organiser.id)
        db.session.commit()


def test_a_contacts_and_companys_pages_leave_out_events_their_organiser_no_longer_sees(
        app, stoltzen, make_organiser, make_contact, log_in):
    """A co-organiser invited their own client to two of the owner's editions; once taken
    off the later one, their client's pages keep nothing from it."""
    owner, edition = stoltzen
    seen, taken_away = edition(THIS_YEAR - 2), edition(THIS_YEAR - 1)
    colleague = make_organiser()
    kari = make_contact(colleague, name="Kari", company_name="Fjord Bank")
    for event in (seen, taken_away):
        co_organise(app, event, colleague)
    invite_as(app, colleague, seen, kari, score=9, time="10:05")
    invite_as(app, colleague, taken_away, kari, score=2, time="9:41", feedback="Cold soup")
    browser = log_in(colleague)
    contact_url, company_url = f"/contacts/{kari.id}", f"/contacts/companies/{kari.company_id}"
    hidden = f"Stoltzen {THIS_YEAR - 1}"
    before = text_of(browser.get(contact_url).get_data(as_text=True))
    assert hidden in before and "Cold soup" in before and "9:41" in before
    assert "Detractors Kari · 2" in text_of(browser.get(company_url).get_data(as_text=True))

    stop_co_organising(app, taken_away, colleague)
    assert browser.get(f"/events/{taken_away.id}").status_code == 404
    contact_page = text_of(browser.get(contact_url).get_data(as_text=True))
    assert hidden not in contact_page
    assert "Cold soup" not in contact_page and "9:41" not in contact_page
    assert "1 invitations" in contact_page and "9 latest recommend score" in contact_page
    assert f"Races over the years Stair race Stoltzen {THIS_YEAR - 2} 10:05" in contact_page
    company_page = text_of(browser.get(company_url).get_data(as_text=True))
    assert hidden not in company_page and str(THIS_YEAR - 1) not in company_page
    assert f"Promoters Kari · 9 Stoltzen {THIS_YEAR - 2}" in company_page
    assert "Detractors None." in company_page


def test_a_co_organiser_is_told_to_look_after_guests_only_from_events_they_see(
        app, stoltzen, make_organiser, make_contact, make_invitation, make_guest_who_came,
        log_in):
    """The owner's private dinner stays private: a co-organiser of this year's edition
    and of an old one sees neither its score nor a link to the owner's contact page."""
    owner, edition = stoltzen
    old, private, coming = (edition(THIS_YEAR - 3), edition(THIS_YEAR - 1),
                            edition(THIS_YEAR + 1))
    colleague = make_organiser()
    for event in (old, coming):
        co_organise(app, event, colleague)
    ulf = make_contact(owner, name="Unhappy Ulf")
    make_invitation(old, ulf)  # invited, did not come
    make_guest_who_came(private, ulf, score=2)
    make_invitation(coming, ulf)
    hidden = f"Stoltzen {THIS_YEAR - 1}"

    def look_after_list(organiser) -> str:
        page = log_in(organiser).get("/").get_data(as_text=True)
        return page.split(f"Look after them at Stoltzen {THIS_YEAR + 1}", 1)[1].split(
            "Your events in your calendar")[0]

    owners = look_after_list(owner)
    assert f"gave 2 at {hidden}" in text_of(owners)
    assert f'href="/contacts/{ulf.id}"' in owners
    colleagues = look_after_list(colleague)
    assert "Unhappy Ulf: has not come to an earlier event" in text_of(colleagues)
    assert hidden not in colleagues and "gave 2" not in colleagues
    assert f"/contacts/{ulf.id}" not in colleagues, "their contact page answers 404"
    assert log_in(colleague).get(f"/contacts/{ulf.id}").status_code == 404

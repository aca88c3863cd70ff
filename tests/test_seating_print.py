"""The table plan on paper and on screens: the plan drawn as SVG, place cards as a PDF in
each person's language, the door list (page and CSV), each guest's table at check-in, and
the guest's own table on their page on the day of the part when the organiser allows it.

Tables and seats are written with the models directly (``seat``), as the plan's services
would write them; everything else goes through the services and the pages."""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Organiser
from eventplanner.auth.services import register_organiser
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import Activity, ActivityKind, Event, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import AnswerStatus
from eventplanner.questions.models import Question, QuestionAnswer, QuestionChoice, QuestionKind
from eventplanner.seating import printing
from eventplanner.seating.drawing import plan_svg
from eventplanner.seating.models import DinnerTable, SeatPlace, TableShape
from tests.browser.conftest import OUTPUT
from tests.conftest import PASSWORD, statements_run

SVG = "{http://www.w3.org/2000/svg}"

#: The guests of the dinner: name, company, language, plus-ones they bring.
GUESTS = [
    ("Kari Nordmann", "Nordlys AS", "nb", ("Per Hansen",)),
    ("Jürgen Groß", "Müller & Söhne GmbH", "de", ()),
    ("Ærlig Øvre-Ås", "Fjord & Co", "da", ("",)),  # an unnamed plus-one
    ("<script>alert(1)</script> Smith", "Evil & <b>Co</b>", "en", ()),
    ("anna berg", "Nordlys AS", "en", ()),
    ("Åse Zahl", "", "nb", ()),  # says yes, gets no seat
]


@dataclass
class Dinner:
    owner_id: int
    event_id: int
    activity_id: int
    #: Guest name -> invitation id.
    invitations: dict[str, int]
    tokens: dict[str, str]
    tables: dict[str, int]


def seat(table: DinnerTable, number: int, *, invitation_id: int | None = None,
         person: int = 0, organiser_id: int | None = None) -> SeatPlace:
    """Someone at a seat, written as the plan's services would write it."""
    place = SeatPlace(activity_id=table.activity_id, table_id=table.id,
                      invitation_id=invitation_id, person=person, organiser_id=organiser_id,
                      seat=number)
    db.session.add(place)
    db.session.flush()
    return place


def add_table(activity: Activity, name: str, seats: int, shape: TableShape = TableShape.ROUND,
              position: int = 0) -> DinnerTable:
    table = DinnerTable(activity_id=activity.id, name=name, seats=seats, shape=shape,
                        position=position)
    db.session.add(table)
    db.session.flush()
    return table


def build_dinner(owner: Organiser, guests=GUESTS, starts_at: datetime | None = None,
                 seat_everyone: bool = True) -> Dinner:
    """A dinner next year with a round table "7" (position 1) and a long table "Fjellet"
    (position 0), a menu question, the guests who said yes (all but the last seated) and
    the owner as host at table 7."""
    starts_at = starts_at or datetime(utcnow().year + 1, 9, 5, 19)
    event = create_event(owner, EventDetails(title="Autumn dinner", timezone="Europe/Oslo",
                                             status=EventStatus.PUBLISHED))
    dinner = add_activity(event, ActivityDetails(name="Dinner", kind=ActivityKind.STANDARD,
                                                 starts_at=starts_at,
                                                 ends_at=starts_at + timedelta(hours=4)))
    contacts = [create_contact(owner, ContactDetails(
        name=name, email=f"guest{number}@example.com", company_name=company,
        language=language)) for number, (name, company, language, _) in enumerate(guests)]
    invited = invite_contacts(event, owner, [contact.id for contact in contacts], 2,
                              send=False, now=utcnow()).invited
    by_name = {invitation.contact.name: invitation for invitation in invited}
    for name, _company, _language, plus_ones in guests:
        respond_to_invitation(by_name[name], GuestAnswer({dinner.id: AnswerStatus.YES},
                                                         plus_one_names=plus_ones), utcnow())
    menu = Question(event_id=event.id, activity_id=dinner.id, kind=QuestionKind.CHOICE,
                    text="Menu", choices=[QuestionChoice(text="Fish", mark="F"),
                                          QuestionChoice(text="Vegetarian", mark="V")])
    db.session.add(menu)
    db.session.flush()
    long_table = add_table(dinner, "Fjellet", 8, TableShape.LONG, position=0)
    round_table = add_table(dinner, "7", 6, position=1)
    kari, jurgen = by_name[guests[0][0]], by_name[guests[1][0]]
    db.session.add(QuestionAnswer(invitation_id=jurgen.id, question_id=menu.id, person=0,
                                  choice_id=menu.choices[1].id))
    if seat_everyone:
        seat(round_table, 1, organiser_id=owner.id)
        seat(round_table, 2, invitation_id=kari.id)
        seat(round_table, 3, invitation_id=kari.id, person=1)
        seat(round_table, 4, invitation_id=jurgen.id)
        for number, (name, *_rest) in enumerate(guests[2:-1], start=1):
            seat(long_table, number, invitation_id=by_name[name].id)
        seat(long_table, 5, invitation_id=by_name[guests[2][0]].id, person=1)
    db.session.commit()
    return Dinner(owner.id, event.id, dinner.id, {name: inv.id for name, inv in by_name.items()},
                  {name: invitation_token(inv) for name, inv in by_name.items()},
                  {"7": round_table.id, "Fjellet": long_table.id})


@pytest.fixture
def dinner(app) -> Dinner:
    with app.app_context():
        owner = register_organiser("Olivia Owner", "owner@example.com", PASSWORD)
        return build_dinner(owner)


def plan_of(dinner: Dinner) -> printing.PartPlan:
    return printing.part_plan(db.session.get(Activity, dinner.activity_id))


def page_url(dinner: Dinner, what: str) -> str:
    return f"/events/{dinner.event_id}/activities/{dinner.activity_id}/table-plan/{what}"


# --- the plan as the outputs read it -------------------------------------------------------

def test_the_plan_lists_tables_in_order_and_people_in_seat_order(app, dinner):
    with app.app_context():
        plan = plan_of(dinner)
    assert [table.name for table in plan.tables] == ["Fjellet", "7"]
    round_table = plan.tables[1]
    assert [seat.number for seat in round_table.places] == [1, 2, 3, 4, 5, 6]
    host, kari, per, jurgen = round_table.people
    assert (host.name, host.is_host, host.language) == ("Olivia Owner", True, "en")
    assert (kari.name, kari.company, kari.is_plus_one, kari.language) == (
        "Kari Nordmann", "Nordlys AS", False, "nb")
    assert (per.name, per.is_plus_one) == ("Per Hansen", True)
    assert (jurgen.menu_mark, jurgen.language) == ("V", "de")
    unnamed = plan.tables[0].people[-1]
    with app.test_request_context():
        assert unnamed.name == "Guest of Ærlig Øvre-Ås"
    assert [person.name for person in plan.unseated] == ["Åse Zahl"]


def test_a_table_with_more_people_than_seats_shows_them_all(app, dinner):
    with app.app_context():
        table = db.session.get(DinnerTable, dinner.tables["7"])
        table.seats = 2
        db.session.commit()
        plan = plan_of(dinner)
    assert len(plan.tables[1].places) == 4
    assert all(seat.person is not None for seat in plan.tables[1].places)


@pytest.mark.parametrize("guests", [3, 30])
def test_the_plan_is_read_in_four_queries_whatever_its_size(app, guests):
    people = [(f"Guest {number}", f"Company {number % 4}", "en", (f"Friend {number}",))
              for number in range(guests)]
    with app.app_context():
        owner = register_organiser("Olivia Owner", "owner@example.com", PASSWORD)
        dinner = build_dinner(owner, people, seat_everyone=False)
        activity = db.session.get(Activity, dinner.activity_id)
        tables = [add_table(activity, f"T{number}", 10, position=number + 2)
                  for number in range(guests // 5 + 1)]
        for number, invitation_id in enumerate(dinner.invitations.values()):
            table = tables[number // 5]
            seat(table, 2 * (number % 5) + 1, invitation_id=invitation_id)
            seat(table, 2 * (number % 5) + 2, invitation_id=invitation_id, person=1)
        db.session.commit()
    with statements_run(app) as statements, app.app_context():
        activity = db.session.get(Activity, dinner.activity_id)
        assert activity.event.title  # loaded as the page's access check loads them
        before = len(statements)
        plan = printing.part_plan(activity)
        cards = printing.place_cards(plan)
        lines = printing.door_list(plan, "en")
    assert before == 2
    assert len(cards) == 2 * guests
    assert len(lines) == 2 * guests
    assert len(statements) - before == 4, statements[before:]


# --- the drawing ---------------------------------------------------------------------------

def test_the_drawing_is_valid_svg_with_every_seated_name_in_it(app, dinner):
    with app.test_request_context():
        plan = plan_of(dinner)
        svg = plan_svg(plan, "Table plan & <friends>")
        seated = [person.name for person, _table in plan.seated]
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Table plan & <friends>"
    assert "2 tables" in root.find(f"{SVG}desc").text
    assert not list(root.iter(f"{SVG}script")), "a name is text, never markup"
    titles = [title.text for title in root.iter(f"{SVG}title")]
    for name in seated:
        assert any(name in title for title in titles), name
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "<script>alert…" in texts, "a long name is shortened at its seat"
    assert "Table 7" in titles and "Table Fjellet" in titles
    seats = root.findall(f".//{SVG}g[@class='seat host']")
    assert len(seats) == 1 and "Olivia Owner" in seats[0].find(f"{SVG}title").text
    assert len(root.findall(f".//{SVG}g[@class='seat empty']")) == 2 + 4


def test_the_plan_page_shows_the_drawing_and_the_svg_downloads(app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
    page = client.get(page_url(dinner, "print"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Table plan (print)" in html and '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert "Åse Zahl" in html, "those without a seat are listed"
    download = client.get(page_url(dinner, "plan.svg"))
    assert download.mimetype == "image/svg+xml"
    assert "attachment" in download.headers["Content-Disposition"]
    ET.fromstring(download.data)


def test_a_part_without_tables_says_so(app, dinner, log_in):
    with app.app_context():
        event = db.session.get(Event, dinner.event_id)
        lunch = add_activity(event, ActivityDetails(
            name="Lunch", starts_at=datetime(utcnow().year + 1, 9, 5, 12),
            ends_at=datetime(utcnow().year + 1, 9, 5, 13)))
        db.session.commit()
        client = log_in(db.session.get(Organiser, dinner.owner_id))
        url = f"/events/{event.id}/activities/{lunch.id}/table-plan/"
    assert "This part has no tables yet." in client.get(url + "print").get_data(as_text=True)
    ET.fromstring(client.get(url + "plan.svg").data)
    assert client.get(url + "place-cards.pdf").status_code == 200


# --- place cards ---------------------------------------------------------------------------

def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_place_cards_come_four_to_a_page_each_in_its_persons_language(app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
    response = client.get(page_url(dinner, "place-cards.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    assert len(pages) == math.ceil(8 / 4)
    text = "\n".join(pages)
    for name in ("Olivia Owner", "Kari Nordmann", "Per Hansen", "Jürgen Groß",
                 "Ærlig Øvre-Ås", "<script>alert(1)</script> Smith", "anna berg"):
        assert text.count(name) >= 2, f"{name} on both halves of their card"
    assert "Åse Zahl" not in text, "no card without a seat"
    assert "Müller & Söhne GmbH" in text
    with app.test_request_context():
        with force_locale("de"):
            german_table = gettext("Table %(name)s", name="7")
        with force_locale("da"):
            danish_guest_of = gettext("Guest of %(name)s", name="Ærlig Øvre-Ås")
    jurgens_card = next(page for page in pages if "Jürgen Groß" in page)
    assert german_table in jurgens_card
    assert "V" in jurgens_card.split(), "his menu's mark"
    assert "September" in jurgens_card and "5. September" in jurgens_card, \
        "the day written the German way"
    assert danish_guest_of in text
    assert "5. september" in text, "a Norwegian's card has the day the Norwegian way"


# --- the door list -------------------------------------------------------------------------

def test_the_door_list_sorts_by_surname_ignoring_case_and_accents_unseated_last(app, dinner):
    with app.test_request_context():
        plan = plan_of(dinner)
        names = [(line.person.name, line.table) for line in printing.door_list(plan, "en")]
    assert names == [
        ("anna berg", "Fjellet"), ("Jürgen Groß", "7"), ("Per Hansen", "7"),
        ("Kari Nordmann", "7"), ("Ærlig Øvre-Ås", "Fjellet"),
        ("Guest of Ærlig Øvre-Ås", "Fjellet"),  # beside the guest who brings them
        ("Olivia Owner", "7"), ("<script>alert(1)</script> Smith", "Fjellet"),
        ("Åse Zahl", None)], names


def test_norwegian_order_puts_ae_oe_aa_after_z():
    names = ["Åse Ås", "Ola Zeta", "Øyvind Øie", "Ærlig Ærø", "Anne Aas", "eva Berg"]
    assert sorted(names, key=lambda name: printing.name_order(name, "nb")) == [
        "Anne Aas", "eva Berg", "Ola Zeta", "Ærlig Ærø", "Øyvind Øie", "Åse Ås"]
    assert sorted(["Jürgen Uhl", "Ulla Uhm", "Hans Ühl", "Karl Ubl"],
                  key=lambda name: printing.name_order(name, "de")) == [
        "Karl Ubl", "Hans Ühl", "Jürgen Uhl", "Ulla Uhm"], "ü as u, then the given names"


def test_the_door_list_page_and_csv(app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
    html = client.get(page_url(dinner, "door-list")).get_data(as_text=True)
    assert html.index("Jürgen Groß") < html.index("Kari Nordmann") < html.index("Åse Zahl")
    assert "no table yet" in html
    response = client.get(page_url(dinner, "door-list.csv"))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert rows[0] == ["Name", "Company", "Table", "Host"]
    assert ["Olivia Owner", "", "7", "yes"] in rows
    assert rows[-1] == ["Åse Zahl", "", "no table yet", ""]
    assert ["Jürgen Groß", "Müller & Söhne GmbH", "7", ""] in rows


# --- check-in and the guest's page ----------------------------------------------------------

def test_the_check_in_page_shows_each_guests_table(app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
    html = client.get(f"/events/{dinner.event_id}/check-in/{dinner.activity_id}") \
        .get_data(as_text=True)
    kari = html[html.index('id="guest-%d"' % dinner.invitations["Kari Nordmann"]):]
    assert "Table 7" in kari[:kari.index("</li>")]
    zahl = html[html.index('id="guest-%d"' % dinner.invitations["Åse Zahl"]):]
    assert "Table" not in zahl[:zahl.index("</li>")]


def set_guests_see_table(app, dinner: Dinner, shown: bool) -> None:
    with app.app_context():
        printing.show_tables_to_guests(db.session.get(Activity, dinner.activity_id), shown,
                                       db.session.get(Organiser, dinner.owner_id))
        db.session.commit()


def test_a_guest_sees_their_table_on_the_day_only_when_the_organiser_allows_it(app, dinner,
                                                                               client):
    kari = f"/r/{dinner.tokens['Kari Nordmann']}"
    day_before = datetime(utcnow().year + 1, 9, 4, 21, 59)  # 23:59 in Oslo
    with time_machine.travel(day_before, tick=False) as clock:
        assert "Ditt bord" not in client.get(kari).get_data(as_text=True)
        set_guests_see_table(app, dinner, True)
        assert "Ditt bord" not in client.get(kari).get_data(as_text=True), \
            "not the day before"
        clock.shift(timedelta(minutes=2))  # 00:01 on the day in Oslo: the cached page goes
        assert "Ditt bord: 7" in client.get(kari).get_data(as_text=True)
        set_guests_see_table(app, dinner, False)
        assert "Ditt bord" not in client.get(kari).get_data(as_text=True)
        set_guests_see_table(app, dinner, True)
        assert "Ditt bord" not in client.get(f"/r/{dinner.tokens['Åse Zahl']}") \
            .get_data(as_text=True), "no table yet: nothing to say"
        clock.shift(timedelta(hours=24))  # the dinner is over
        assert "Ditt bord" not in client.get(kari).get_data(as_text=True)


def test_a_guest_moved_to_another_table_sees_it_at_once(app, dinner, client):
    kari = f"/r/{dinner.tokens['Kari Nordmann']}"
    set_guests_see_table(app, dinner, True)
    with time_machine.travel(datetime(utcnow().year + 1, 9, 5, 10), tick=False):
        assert "Ditt bord: 7" in client.get(kari).get_data(as_text=True)
        assert "Ditt bord: 7" in client.get(kari).get_data(as_text=True)  # from the cache
        with app.app_context():
            place = db.session.scalar(select(SeatPlace).where(
                SeatPlace.invitation_id == dinner.invitations["Kari Nordmann"],
                SeatPlace.person == 0))
            place.table_id = dinner.tables["Fjellet"]
            db.session.commit()
            place_id = place.id
        assert "Ditt bord: Fjellet" in client.get(kari).get_data(as_text=True)
        with app.app_context():
            db.session.get(DinnerTable, dinner.tables["Fjellet"]).name = "Fjellet & Fjorden"
            db.session.commit()
        assert "Ditt bord: Fjellet &amp; Fjorden" in client.get(kari).get_data(as_text=True)
        with app.app_context():
            db.session.delete(db.session.get(SeatPlace, place_id))
            db.session.commit()
        assert "Ditt bord" not in client.get(kari).get_data(as_text=True)


@pytest.mark.settings(GUEST_PAGE_CACHE_SIZE=0)
def test_the_guests_table_costs_one_query_and_only_on_the_day(app, dinner):
    kari, client = f"/r/{dinner.tokens['Kari Nordmann']}", app.test_client()
    set_guests_see_table(app, dinner, True)
    counts = {}
    for when, moment in (("before", datetime(utcnow().year + 1, 9, 3, 12)),
                         ("on the day", datetime(utcnow().year + 1, 9, 5, 12))):
        with time_machine.travel(moment, tick=False):
            client.get(kari)  # the first visit notes that it was opened
            with statements_run(app) as statements:
                page = client.get(kari).get_data(as_text=True)
        counts[when] = len(statements)
        assert ("Ditt bord: 7" in page) == (when == "on the day")
    assert counts["on the day"] == counts["before"] + 1


def test_the_organiser_lets_guests_see_their_table_and_a_forged_form_changes_nothing(
        app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
    response = client.submit(page_url(dinner, "guests-see-table"), {"shown": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Activity, dinner.activity_id).guests_see_table
    page = client.get(page_url(dinner, "print")).get_data(as_text=True)
    assert "Guests now see their table on their page on the day." in page
    assert re.search(r'<input[^>]*checked[^>]*name="shown"|<input[^>]*name="shown"[^>]*checked',
                     page)
    client.submit(page_url(dinner, "guests-see-table"), {})
    with app.app_context():
        assert not db.session.get(Activity, dinner.activity_id).guests_see_table
        trail = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "part.changed").order_by(AuditEntry.id)).all()
    assert [line["guests see their table"] for line in trail] == [[False, True],
                                                                  [True, False]]
    forged = client.post(page_url(dinner, "guests-see-table"), data={"shown": "y"})
    assert forged.status_code == 400
    with app.app_context():
        assert not db.session.get(Activity, dinner.activity_id).guests_see_table, \
            "no CSRF token, no change"


def test_another_events_part_is_not_found(app, dinner, log_in):
    with app.app_context():
        client = log_in(db.session.get(Organiser, dinner.owner_id))
        stranger = register_organiser("Stella Stranger", "stella@example.com", PASSWORD)
        other = build_dinner(stranger)
    for what in ("print", "plan.svg", "place-cards.pdf", "door-list", "door-list.csv"):
        assert client.get(f"/events/{dinner.event_id}/activities/{other.activity_id}"
                          f"/table-plan/{what}").status_code == 404
        assert client.get(f"/events/{dinner.event_id}/activities/99999999999"
                          f"/table-plan/{what}").status_code == 404


# --- samples to look at -----------------------------------------------------------------

SAMPLE_NAMES = ["Kari Nordmann", "Jürgen Groß", "Åse Ødegård", "Bjørn Ærø", "Anna Berg",
                "Maximilian Alexander von Hohenstein-Schwarzenberg", "Li Wei", "Ola Dunk",
                "Sofie Dahl", "Henrik Lund", "Marte Kirkerud", "Jonas Bakke"]


def test_a_sample_plan_and_cards_are_written_for_the_eye(app, backend):
    """test-output/table-plan.pdf and place-cards.pdf (and PNGs of their first pages when
    pdftoppm is there): to look at, not to assert on."""
    from weasyprint import HTML

    if backend.name != "sqlite":
        pytest.skip("one sample is enough")
    people = [(f"{SAMPLE_NAMES[number % len(SAMPLE_NAMES)]}{'' if number < 12 else number}",
               ("Nordlys AS", "Müller & Söhne GmbH", "Fjord & Co", "")[number % 4],
               ("nb", "de", "da", "en")[number % 4], ("Per Hansen",) if number % 5 == 0 else ())
              for number in range(40)]
    with app.test_request_context():
        owner = register_organiser("Olivia Owner", "owner@example.com", PASSWORD)
        dinner = build_dinner(owner, people, seat_everyone=False)
        activity = db.session.get(Activity, dinner.activity_id)
        host = register_organiser("Hanne Host", "hanne@example.com", PASSWORD)
        tables = [add_table(activity, name, seats, shape, position=number + 2)
                  for number, (name, seats, shape) in enumerate(
                      [("1", 8, TableShape.ROUND), ("2", 10, TableShape.ROUND),
                       ("3", 8, TableShape.ROUND), ("Fjorden", 12, TableShape.LONG),
                       ("5", 6, TableShape.ROUND), ("Fjellet 6", 10, TableShape.LONG)])]
        seat(tables[0], 1, organiser_id=owner.id)
        seat(tables[3], 1, organiser_id=host.id)
        free = [(table, number) for table in tables for number in range(
            2 if table in (tables[0], tables[3]) else 1, table.seats + 1)]
        for (table, number), invitation_id in zip(free, dinner.invitations.values(),
                                                 strict=False):
            seat(table, number, invitation_id=invitation_id)
        db.session.commit()
        plan = printing.part_plan(activity)
        svg = plan_svg(plan, "Table plan: Dinner")
        cards = printing.place_cards(plan)
        from flask import render_template
        html = render_template("seating/print_place_cards.html", activity=activity,
                               sheets=[cards[start:start + 4]
                                       for start in range(0, len(cards), 4)])
    OUTPUT.mkdir(exist_ok=True)
    page = ("<style>@page { size: A4 landscape; margin: 10mm } svg { width: 100%; "
            "height: auto; max-height: 190mm }</style>" + svg)
    samples = {"table-plan": HTML(string=page).write_pdf(),
               "place-cards": HTML(string=html).write_pdf()}
    for name, pdf in samples.items():
        (OUTPUT / f"{name}.pdf").write_bytes(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                            "-singlefile", str(OUTPUT / f"{name}.pdf"),
                            str(OUTPUT / name)], check=True, timeout=60)
    assert len(PdfReader(io.BytesIO(samples["place-cards"])).pages) == math.ceil(
        len(cards) / 4)

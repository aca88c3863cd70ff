"""What the printed and shown outputs of a part's table plan read: the plan as tables with
their people in seat order (``part_plan``, four queries whatever its size), the place cards
and the door list made from it, each guest's table for the check-in page and the guest's
own page, and the setting that lets guests see their table on the day.

It reads the models only, so it shows whatever the plan's services wrote.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.formatting import format_day
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.questions.models import Question, QuestionAnswer, QuestionChoice, QuestionKind
from eventplanner.seating.models import DinnerTable, SeatPlace, TableShape
from eventplanner.timezones import wall_clock, zone

# --- the plan -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone at the part: a guest, one of their plus-ones or a host."""

    #: The person's own name; empty for a plus-one not named yet.
    own_name: str
    #: For a plus-one: the name of the guest who brings them.
    companion_of: str
    company: str
    is_host: bool
    #: The marks of the menu they chose ("V"), joined; empty when none.
    menu_mark: str
    #: The language to print their card in.
    language: str
    invitation_id: int | None
    #: 0: the guest; k: their k-th plus-one (hosts: 0).
    person: int

    @property
    def is_plus_one(self) -> bool:
        return self.person > 0

    @property
    def sort_name(self) -> str:
        """The name a list sorts them by: a plus-one not named yet goes with their guest."""
        return self.own_name or self.companion_of

    @property
    def name(self) -> str:
        """Their name in the current language ("Guest of Kari Nordmann" when not named)."""
        if self.own_name:
            return self.own_name
        return _("Guest of %(name)s", name=self.companion_of)


@dataclass(frozen=True)
class Seat:
    #: Where the seat is drawn at its table: 1, 2, ...
    number: int
    person: Person | None


@dataclass(frozen=True)
class TableOnPlan:
    id: int
    name: str
    seats: int
    shape: TableShape
    #: Every seat of the table in order (more than ``seats`` when more people are placed).
    places: list[Seat]

    @property
    def people(self) -> list[Person]:
        return [seat.person for seat in self.places if seat.person is not None]

    @property
    def is_round(self) -> bool:
        return self.shape is TableShape.ROUND


@dataclass(frozen=True)
class PartPlan:
    """A part's table plan as its outputs show it."""

    activity: Activity
    tables: list[TableOnPlan]
    #: People who said yes (with their plus-ones) and have no seat yet, by name.
    unseated: list[Person]

    @property
    def seated(self) -> list[tuple[Person, TableOnPlan]]:
        return [(person, table) for table in self.tables for person in table.people]

    @property
    def seat_count(self) -> int:
        return sum(table.seats for table in self.tables)


def part_plan(activity: Activity) -> PartPlan:
    """The part's tables in their order, each with its people in seat order, and who is
    still without a seat. Four queries, whatever the number of tables and people."""
    tables = list(db.session.scalars(
        select(DinnerTable).where(DinnerTable.activity_id == activity.id)
        .order_by(DinnerTable.position, DinnerTable.id)))
    places = list(db.session.scalars(
        select(SeatPlace).where(SeatPlace.activity_id == activity.id)
        .options(joinedload(SeatPlace.invitation).joinedload(Invitation.contact)
                 .joinedload(Contact.company), joinedload(SeatPlace.organiser))
        .order_by(SeatPlace.seat, SeatPlace.id)))
    marks = menu_marks(activity)
    seated = {(place.invitation_id, place.person) for place in places if place.invitation_id}
    by_table: dict[int, list[SeatPlace]] = {}
    for place in places:
        by_table.setdefault(place.table_id, []).append(place)
    return PartPlan(
        activity,
        [TableOnPlan(table.id, table.name, table.seats, table.shape,
                     _seats(table.seats, [(place.seat, _person_at(place, marks))
                                          for place in by_table.get(table.id, [])]))
         for table in tables],
        sorted((person for person in _coming(activity, marks)
                if (person.invitation_id, person.person) not in seated),
               key=lambda person: name_order(person.sort_name)))


def _seats(count: int, people: list[tuple[int, Person]]) -> list[Seat]:
    """``count`` seats (more if more people sit there), each person at their seat's number
    when it is free, else at the first free one."""
    size = max(count, len(people))
    taken: dict[int, Person] = {}
    waiting = []
    for number, person in people:
        if 1 <= number <= size and number not in taken:
            taken[number] = person
        else:
            waiting.append(person)
    free = (number for number in range(1, size + 1) if number not in taken)
    for person in waiting:
        taken[next(free)] = person
    return [Seat(number, taken.get(number)) for number in range(1, size + 1)]


def _guest(invitation: Invitation, person: int, marks: dict) -> Person:
    contact = invitation.contact
    names = invitation.plus_one_names or []
    own = contact.name if person == 0 else (names[person - 1].strip()
                                           if person <= len(names) else "")
    return Person(own_name=own, companion_of=contact.name if person else "",
                  company=contact.company.name if contact.company else "", is_host=False,
                  menu_mark=marks.get((invitation.id, person), ""),
                  language=invitation.guest_language, invitation_id=invitation.id,
                  person=person)


def _host(organiser: Organiser) -> Person:
    return Person(own_name=organiser.name, companion_of="", company="", is_host=True,
                  menu_mark="", language=organiser.language or "en", invitation_id=None,
                  person=0)


def _person_at(place: SeatPlace, marks: dict) -> Person:
    if place.invitation is not None:
        return _guest(place.invitation, place.person, marks)
    return _host(place.organiser)


def _coming(activity: Activity, marks: dict) -> list[Person]:
    """Everyone who said yes to the part: each guest and the plus-ones they bring. One
    query."""
    answers = db.session.scalars(
        select(Response).join(Response.invitation)
        .where(Response.activity_id == activity.id, Response.status == AnswerStatus.YES,
               Invitation.revoked_at.is_(None), Invitation.anonymised_at.is_(None))
        .options(joinedload(Response.invitation).joinedload(Invitation.contact)
                 .joinedload(Contact.company)))
    return [_guest(answer.invitation, person, marks)
            for answer in answers for person in range(max(answer.places, 1))]


def menu_marks(activity: Activity) -> dict[tuple[int, int], str]:
    """(invitation id, person) -> the marks of the choices they made in the event's and
    the part's choice questions ("V"), joined in the questions' order. One query."""
    rows = db.session.execute(
        select(QuestionAnswer.invitation_id, QuestionAnswer.person, QuestionChoice.mark)
        .join(QuestionChoice, QuestionChoice.id == QuestionAnswer.choice_id)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(Question.event_id == activity.event_id, Question.kind == QuestionKind.CHOICE,
               or_(Question.activity_id.is_(None), Question.activity_id == activity.id),
               QuestionChoice.mark != "")
        .order_by(Question.position, Question.id))
    marks: dict[tuple[int, int], list[str]] = {}
    for invitation_id, person, mark in rows:
        marks.setdefault((invitation_id, person), []).append(mark)
    return {key: " ".join(found) for key, found in marks.items()}


# --- sorting by name ----------------------------------------------------------------------

#: Letters that Norwegian and Danish sort after z, in their order.
_NORDIC_LAST = {"æ": "{", "ø": "|", "å": "}"}  # the three characters after z
#: Letters that stay themselves once accents are taken off, as other languages sort them
#: (umlauts lose their dots and ß is ss already, as in German dictionaries).
_AS_LATIN = {"æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}


def _letters(text: str, language: str) -> str:
    text = text.casefold()
    table = _NORDIC_LAST if language in ("nb", "nn", "no", "da") else _AS_LATIN
    text = "".join(table.get(char, char) for char in text)
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))


def name_order(name: str, language: str = "en") -> tuple[str, str]:
    """A key that sorts names by surname (the last word), then the given names, without
    regard to case or accents, in the order of ``language`` (ø after z in Norwegian)."""
    words = name.split()
    surname = words[-1] if words else ""
    return _letters(surname, language), _letters(" ".join(words[:-1]), language)


# --- the door list ------------------------------------------------------------------------

@dataclass(frozen=True)
class DoorListLine:
    person: Person
    #: None: no table yet.
    table: str | None


def door_list(plan: PartPlan, language: str) -> list[DoorListLine]:
    """Everyone seated at the part by surname, with their table; then those who said yes
    and have no table yet."""
    seated = sorted((DoorListLine(person, table.name) for person, table in plan.seated),
                    key=lambda line: (name_order(line.person.sort_name, language),
                                      line.person.person))
    unseated = sorted(plan.unseated,
                      key=lambda person: (name_order(person.sort_name, language), person.person))
    return seated + [DoorListLine(person, None) for person in unseated]


def door_list_rows(lines: list[DoorListLine]) -> list[list[str]]:
    """The door list as rows for a CSV file, with a header."""
    return [[_("Name"), _("Company"), _("Table"), _("Host")]] + [
        [line.person.name, line.person.company,
         line.table if line.table is not None else _("no table yet"),
         _("yes") if line.person.is_host else ""] for line in lines]


# --- place cards --------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceCard:
    """One folded card, its words in the language of the person it is for."""

    name: str
    company: str
    table: str
    menu_mark: str
    #: The part's name and day, small.
    occasion: str
    language: str


def place_cards(plan: PartPlan) -> list[PlaceCard]:
    """A card for everyone seated, table by table in seat order."""
    activity = plan.activity
    cards = []
    for person, table in plan.seated:
        with force_locale(person.language):
            cards.append(PlaceCard(
                name=person.name, company=person.company,
                table=_("Table %(name)s", name=table.name), menu_mark=person.menu_mark,
                occasion=f"{activity.name} · "
                         f"{format_day(activity.starts_at, activity.event.timezone, 'long')}",
                language=person.language))
    return cards


# --- each guest's table -------------------------------------------------------------------

def tables_by_invitation(activity: Activity) -> dict[int, str]:
    """Invitation id -> the name of the guest's table at the part (where they sit
    themselves). One query."""
    return dict(db.session.execute(
        select(SeatPlace.invitation_id, DinnerTable.name)
        .join(DinnerTable, DinnerTable.id == SeatPlace.table_id)
        .where(SeatPlace.activity_id == activity.id, SeatPlace.invitation_id.is_not(None),
               SeatPlace.person == 0)).all())


def guests_tables(invitation_id: int, activity_ids: list[int]) -> dict[int, str]:
    """Part id -> the name of the guest's table, for the parts ``activity_ids``. One
    query; none for no parts."""
    if not activity_ids:
        return {}
    return dict(db.session.execute(
        select(SeatPlace.activity_id, DinnerTable.name)
        .join(DinnerTable, DinnerTable.id == SeatPlace.table_id)
        .where(SeatPlace.invitation_id == invitation_id, SeatPlace.person == 0,
               SeatPlace.activity_id.in_(sorted(activity_ids)))).all())


def table_shown_from(activity: Activity) -> datetime:
    """When guests who may see their table start to see it: the start of the part's day
    in the event's time zone (UTC)."""
    zone_name = activity.event.timezone
    day = wall_clock(activity.starts_at, zone_name).date()
    return datetime.combine(day, time(), tzinfo=zone(zone_name)).astimezone(UTC)


def guest_sees_table(activity: Activity, now: datetime) -> bool:
    """Guests see their table at the part on its day (until it ends), when the organiser
    lets them."""
    return activity.guests_see_table and table_shown_from(activity) <= now < activity.ends_at


def show_tables_to_guests(activity: Activity, shown: bool, by: Organiser) -> bool:
    """Let the part's guests see their table on their page on the day, or stop (noted in
    the audit trail). Returns whether anything changed."""
    if activity.guests_see_table == shown:
        return False
    record(activity.event.workspace_id, by, "part.changed", event_id=activity.event_id,
           details={"part": activity.name, "guests see their table": [not shown, shown]})
    activity.guests_see_table = shown
    db.session.flush()
    return True


# --- the kitchen list per table ---------------------------------------------------------------

@dataclass(frozen=True)
class TableMenus:
    """The choices made by the people seated at one table."""

    table: str
    #: (question id, choice id) -> how many at the table chose it.
    counts: dict[tuple[int, int], int]

    def count(self, question: Question, choice: QuestionChoice) -> int:
        return self.counts.get((question.id, choice.id), 0)


def menus_by_table(activity: Activity, questions: list[Question]) -> list[TableMenus]:
    """For each table of the part (in the plan's order), how many of the people seated there
    (guests and plus-ones) chose each choice of ``questions``: the kitchen list per table.
    Two queries, whatever the number of tables."""
    ids = [q.id for q in questions if q.kind is QuestionKind.CHOICE]
    tables = list(db.session.scalars(select(DinnerTable).where(
        DinnerTable.activity_id == activity.id).order_by(DinnerTable.position, DinnerTable.id)))
    if not tables or not ids:
        return []
    counts: dict[int, dict[tuple[int, int], int]] = {table.id: {} for table in tables}
    for table_id, question_id, choice_id, count in db.session.execute(
            select(SeatPlace.table_id, QuestionAnswer.question_id, QuestionAnswer.choice_id,
                   func.count())
            .join(QuestionAnswer, and_(QuestionAnswer.invitation_id == SeatPlace.invitation_id,
                                       QuestionAnswer.person == SeatPlace.person))
            .where(SeatPlace.activity_id == activity.id, QuestionAnswer.question_id.in_(ids),
                   QuestionAnswer.choice_id.is_not(None))
            .group_by(SeatPlace.table_id, QuestionAnswer.question_id,
                      QuestionAnswer.choice_id)):
        counts[table_id][(question_id, choice_id)] = count
    return [TableMenus(table.name, counts[table.id]) for table in tables]

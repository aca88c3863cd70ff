"""A part's table plan: its tables, the people to seat (guests who said yes to the part, their
plus-ones, the event's hosts), who sits where, and the suggested plan.

Every change takes the event's answer lock (``events.locking.lock_answers``) and reads the
table's places afresh under it: a guest's answer, which may take them off the plan, waits
for it too, so two organisers filling a table's last seat, or moving the same guest, never
put a table over its seats or a person at two seats. Services add and flush; the caller
commits once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.audit.models import AuditEntry
from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.errors import Full, InvalidInput, InvalidState, NotFound
from eventplanner.events.locking import lock_answers
from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.invitations.hosts import event_hosts, host_id_of
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.seating import suggest
from eventplanner.seating.models import DinnerTable, SeatPlace, TableShape

#: The most tables added at once, and at a part.
MAX_TABLES_AT_ONCE = 100
MAX_TABLES = 200
MAX_SEATS = 200


class TableNameTaken(InvalidInput):
    default_message = _l("Another table at this part has that name.")


class NotToSeat(InvalidState):
    default_message = _l("This person is not coming to this part: they cannot be seated.")


@dataclass(frozen=True)
class Diner:
    """Someone to seat at a part. ``key``: "g<invitation id>-<k>" for a guest (k = 0) or
    their k-th plus-one, "h<member id>" for a host."""

    key: str
    name: str
    invitation_id: int | None = None
    person: int = 0
    organiser_id: int | None = None
    company_id: int | None = None
    company: str = ""
    #: The key of the guest's host (a guest, not a plus-one), if that host is seated here.
    host_key: str | None = None
    host_name: str = ""

    @property
    def is_host(self) -> bool:
        return self.organiser_id is not None

    @property
    def is_plus_one(self) -> bool:
        return self.invitation_id is not None and self.person > 0

    @property
    def guest_key(self) -> str | None:
        """For a plus-one, the key of the guest who brings them."""
        return guest_key(self.invitation_id, 0) if self.is_plus_one else None


def guest_key(invitation_id: int, person: int) -> str:
    return f"g{invitation_id}-{person}"


def host_key(organiser_id: int) -> str:
    return f"h{organiser_id}"


_KEY = re.compile(r"^(?:g(\d{1,9})-(\d{1,2})|h(\d{1,9}))$")  # ids an INTEGER holds


def parse_key(key: str) -> tuple[int | None, int, int | None]:
    """(invitation id, person, organiser id) of a person's key; ``NotFound`` if it is none."""
    match = _KEY.match(key or "")
    if match is None:
        raise NotFound(_l("We could not find that person."))
    if match.group(3):
        return None, 0, int(match.group(3))
    return int(match.group(1)), int(match.group(2)), None


def place_key(place: SeatPlace) -> str:
    return (host_key(place.organiser_id) if place.organiser_id is not None
            else guest_key(place.invitation_id, place.person))


# --- tables ------------------------------------------------------------------------------


def tables_of(activity: Activity) -> list[DinnerTable]:
    """The part's tables in their order, with their places."""
    return list(db.session.scalars(
        select(DinnerTable).where(DinnerTable.activity_id == activity.id)
        .options(selectinload(DinnerTable.places))
        .order_by(DinnerTable.position, DinnerTable.id)))


def get_table(activity: Activity, table_id: int) -> DinnerTable:
    table = db.session.get(DinnerTable, table_id)
    if table is None or table.activity_id != activity.id:
        raise NotFound(_l("We could not find that table."))
    return table


def _check_seats(seats: int) -> None:
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidInput(_l("A table has from 1 to %(max)d seats.", max=MAX_SEATS))


def _name_taken(activity: Activity, name: str, table_id: int | None = None) -> bool:
    query = select(DinnerTable.id).where(DinnerTable.activity_id == activity.id,
                                         func.lower(DinnerTable.name) == name.lower())
    if table_id is not None:
        query = query.where(DinnerTable.id != table_id)
    return db.session.scalar(query) is not None


def add_tables(activity: Activity, by: Organiser, *, count: int = 1, seats: int = 8,
               shape: TableShape = TableShape.ROUND, name: str = "") -> list[DinnerTable]:
    """Add one table (named ``name``, else the next number) or ``count`` tables of ``seats``
    at once, numbered on from the part's highest numbered table ("10 tables of 8")."""
    _check_seats(seats)
    if not 1 <= count <= MAX_TABLES_AT_ONCE:
        raise InvalidInput(_l("Add from 1 to %(max)d tables at a time.",
                              max=MAX_TABLES_AT_ONCE))
    lock_answers(activity.event)
    existing = tables_of(activity)
    if len(existing) + count > MAX_TABLES:
        raise InvalidInput(_l("A part has at most %(most)d tables.", most=MAX_TABLES))
    name = name.strip()[:40]
    if name and count > 1:
        raise InvalidInput(_l("Name one table at a time; several tables are numbered."))
    if name and _name_taken(activity, name):
        raise TableNameTaken()
    numbers = [int(t.name) for t in existing
               if t.name.isascii() and t.name.isdigit() and len(t.name) < 9]
    next_number = max(numbers, default=0) + 1
    position = max((t.position for t in existing), default=0)
    added = []
    taken = {t.name.lower() for t in existing}
    for _ in range(count):
        label = name
        while not label:
            candidate = str(next_number)
            next_number += 1
            if candidate not in taken:
                label = candidate
        position += 1
        table = DinnerTable(activity_id=activity.id, name=label, seats=seats, shape=shape,
                            position=position)
        db.session.add(table)
        db.session.flush()
        added.append(table)
    record(activity.event.workspace_id, by, "seating.tables_added", event_id=activity.event_id,
           details={"part": activity.name, "tables": [t.name for t in added],
                    "seats": seats})
    return added


def change_table(table: DinnerTable, by: Organiser, *, name: str, seats: int,
                 shape: TableShape) -> DinnerTable:
    """Rename a table, change its seats or shape. Fewer seats than people placed there is
    refused (they are unseated first)."""
    _check_seats(seats)
    activity = table.activity
    lock_answers(activity.event)
    table = _fresh_table(table)
    name = name.strip()[:40]
    if not name:
        raise InvalidInput(_l("Give the table a name or number."))
    if _name_taken(activity, name, table.id):
        raise TableNameTaken()
    placed = len(table.places)
    if seats < placed:
        raise InvalidState(lazy_ngettext(
            "%(num)d person sits at this table: it needs at least that many seats. Unseat "
            "someone first.",
            "%(num)d people sit at this table: it needs at least that many seats. Unseat "
            "some of them first.", placed))
    before = {"name": table.name, "seats": table.seats, "shape": table.shape.value}
    table.name, table.seats, table.shape = name, seats, shape
    for place in table.places:  # keep every seat number within the table
        if place.seat > seats:
            place.seat = _free_seat(table, exclude=place)
    after = {"name": name, "seats": seats, "shape": shape.value}
    if before != after:
        record(activity.event.workspace_id, by, "seating.table_changed",
               event_id=activity.event_id,
               details={"part": activity.name, **{k: [before[k], v] for k, v in after.items()
                                                  if before[k] != v}})
    db.session.flush()
    return table


def delete_table(table: DinnerTable, by: Organiser, *, unseat: bool = False) -> int:
    """Delete a table. Refused while people sit there, unless ``unseat``: then they go to
    the unseated first. Returns how many were unseated."""
    activity = table.activity
    lock_answers(activity.event)
    table = _fresh_table(table)
    placed = len(table.places)
    if placed and not unseat:
        raise InvalidState(lazy_ngettext(
            "%(num)d person sits at this table. Unseat them first, or choose to unseat "
            "and delete.",
            "%(num)d people sit at this table. Unseat them first, or choose to unseat "
            "and delete.", placed))
    db.session.execute(delete(SeatPlace).where(SeatPlace.table_id == table.id))
    record(activity.event.workspace_id, by, "seating.table_deleted", event_id=activity.event_id,
           details={"part": activity.name, "table": table.name, "unseated": placed})
    db.session.delete(table)
    db.session.flush()
    return placed


def _fresh_table(table: DinnerTable) -> DinnerTable:
    """The table and its places as committed now (read under the lock)."""
    fresh = db.session.scalar(
        select(DinnerTable).where(DinnerTable.id == table.id)
        .options(selectinload(DinnerTable.places))
        .execution_options(populate_existing=True))
    if fresh is None:
        raise NotFound(_l("We could not find that table."))
    return fresh


def _free_seat(table: DinnerTable, exclude: SeatPlace | None = None) -> int:
    taken = {place.seat for place in table.places if place is not exclude}
    return next(n for n in range(1, table.seats + 2) if n not in taken)


# --- the people to seat ------------------------------------------------------------------


def _guests_coming(activity: Activity) -> list[tuple[Invitation, int]]:
    """The guests who said yes to the part, with the places their answer takes."""
    rows = db.session.execute(
        select(Invitation, Response.places)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Response.activity_id == activity.id, Response.status == AnswerStatus.YES,
               Invitation.revoked_at.is_(None), Invitation.anonymised_at.is_(None))
        .options(joinedload(Invitation.contact).joinedload(Contact.company),
                 joinedload(Invitation.contact).joinedload(Contact.account_manager),
                 joinedload(Invitation.contact).joinedload(Contact.company)
                 .joinedload(Company.account_manager))
        .execution_options(populate_existing=True)).unique().all()
    return [(invitation, places) for invitation, places in rows]


def plus_one_name(invitation: Invitation, person: int) -> str:
    names = invitation.plus_one_names or []
    if person <= len(names) and names[person - 1]:
        return names[person - 1]
    return str(_l("Guest of %(name)s", name=invitation.contact.name))


def people_to_seat(activity: Activity) -> list[Diner]:
    """Who is to be seated at the part: each guest who said yes to it (links not revoked,
    not erased), with the plus-ones their answer brings (named as the guest named them,
    else "Guest of <name>"), and the event's hosts; guests by name."""
    event = activity.event
    hosts = event_hosts(event)
    hosting = {host.id for host in hosts}
    host_names = {host.id: host.name for host in hosts}
    diners = [Diner(host_key(host.id), host.name, organiser_id=host.id) for host in hosts]
    for invitation, places in sorted(_guests_coming(activity),
                                     key=lambda row: (row[0].contact.name.lower(), row[0].id)):
        contact = invitation.contact
        company = contact.company
        their_host = host_id_of(invitation, hosting)
        diners.append(Diner(
            guest_key(invitation.id, 0), contact.name, invitation.id, 0,
            company_id=company.id if company else None, company=company.name if company else "",
            host_key=host_key(their_host) if their_host is not None else None,
            host_name=host_names.get(their_host, "")))
        diners += [Diner(guest_key(invitation.id, k), plus_one_name(invitation, k),
                         invitation.id, k)
                   for k in range(1, places)]
    return diners


def places_at(activity: Activity, *, fresh: bool = False) -> list[SeatPlace]:
    query = select(SeatPlace).where(SeatPlace.activity_id == activity.id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(db.session.scalars(query))


@dataclass
class PlanView:
    """What the plan page shows: tables with their people in seat order, the unseated,
    and the places of people no longer to be seated (a host who stopped hosting)."""

    tables: list[tuple[DinnerTable, list[tuple[SeatPlace, Diner | None]]]]
    unseated: list[Diner]
    people: int
    seats: int


def plan_of(activity: Activity) -> PlanView:
    diners = {diner.key: diner for diner in people_to_seat(activity)}
    tables = tables_of(activity)
    seated = set()
    rows = []
    for table in tables:
        at_table = []
        for place in table.places:
            key = place_key(place)
            seated.add(key)
            at_table.append((place, diners.get(key)))
        rows.append((table, at_table))
    return PlanView(rows, [d for k, d in diners.items() if k not in seated], len(diners),
                    sum(table.seats for table in tables))


# --- placing people ----------------------------------------------------------------------


def _diner(activity: Activity, key: str) -> Diner:
    parse_key(key)
    diner = next((d for d in people_to_seat(activity) if d.key == key), None)
    if diner is None:
        raise NotToSeat()
    return diner


def _place_of(activity: Activity, key: str) -> SeatPlace | None:
    invitation_id, person, organiser_id = parse_key(key)
    query = select(SeatPlace).where(SeatPlace.activity_id == activity.id)
    if organiser_id is not None:
        query = query.where(SeatPlace.organiser_id == organiser_id)
    else:
        query = query.where(SeatPlace.invitation_id == invitation_id,
                            SeatPlace.person == person)
    return db.session.scalar(query.execution_options(populate_existing=True))


def seat_person(activity: Activity, key: str, table_id: int, by: Organiser, *,
                seat: int | None = None) -> SeatPlace:
    """Place a person at a table (a free seat chosen, or ``seat``), or move them there from
    another table; they keep their pin. ``Full`` if the table has no free seat (or that
    seat is taken)."""
    lock_answers(activity.event)
    diner = _diner(activity, key)
    table = _fresh_table(get_table(activity, table_id))
    place = _place_of(activity, key)
    if place is not None and place.table_id == table.id and seat in (None, place.seat):
        return place
    others = [p for p in table.places if p is not place]
    if len(others) >= table.seats:
        raise Full(_l("Table %(table)s is full: %(seats)d seats.", table=table.name,
                      seats=table.seats))
    taken = {p.seat for p in others}
    if seat is not None and not 1 <= seat <= table.seats:
        raise InvalidInput(_l("Table %(table)s has seats 1 to %(seats)d.", table=table.name,
                              seats=table.seats))
    if seat is not None and seat in taken:
        raise Full(_l("Seat %(seat)d at table %(table)s is taken.", seat=seat,
                      table=table.name))
    number = seat if seat is not None else next(
        n for n in range(1, table.seats + 1) if n not in taken)
    if place is None:
        place = SeatPlace(activity_id=activity.id, table_id=table.id,
                          invitation_id=diner.invitation_id, person=diner.person,
                          organiser_id=diner.organiser_id, seat=number)
        db.session.add(place)
    else:
        place.table_id, place.seat = table.id, number
    db.session.flush()
    return place


def unseat_person(activity: Activity, key: str, by: Organiser) -> bool:
    """Take a person off the plan (to the unseated). Returns whether they were seated."""
    lock_answers(activity.event)
    place = _place_of(activity, key)
    if place is None:
        return False
    db.session.delete(place)
    db.session.flush()
    return True


def pin_person(activity: Activity, key: str, pinned: bool) -> SeatPlace:
    """Pin a seated person where they are (a suggested plan keeps them), or unpin."""
    lock_answers(activity.event)
    place = _place_of(activity, key)
    if place is None:
        raise InvalidState(_l("Seat this person at a table before pinning them."))
    place.pinned = pinned
    db.session.flush()
    return place


def clear_unpinned(activity: Activity, by: Organiser) -> int:
    """Unseat everyone not pinned. Returns how many."""
    lock_answers(activity.event)
    count = db.session.execute(delete(SeatPlace).where(
        SeatPlace.activity_id == activity.id, SeatPlace.pinned.is_(False))).rowcount
    record(activity.event.workspace_id, by, "seating.cleared", event_id=activity.event_id,
           details={"part": activity.name, "part_id": activity.id, "unseated": count})
    db.session.flush()
    return count


# --- the suggested plan ------------------------------------------------------------------


@dataclass
class SuggestionReport:
    seated: int
    unseated: int
    problems: list[str]


def suggest_for(activity: Activity, by: Organiser, *, replace: bool = True
                ) -> SuggestionReport:
    """Replace the unpinned places with a suggested plan (``suggest.suggest_plan``); pinned
    people stay where they are. What keeps people unseated is said in ``problems``.
    Without ``replace``, ``InvalidState`` if anyone sits unpinned (the organiser has not
    agreed to move them), as read under the lock."""
    lock_answers(activity.event)
    diners = people_to_seat(activity)
    if not diners:
        raise InvalidState(_l("Nobody has said yes to this part yet: there is nobody to "
                              "seat."))
    tables = tables_of(activity)
    if not tables:
        raise InvalidState(_l("Add tables first."))
    keys = {diner.key for diner in diners}
    places = {place_key(place): place for place in places_at(activity, fresh=True)}
    if not replace and any(not place.pinned for place in places.values()):
        raise InvalidState(_l("Some people are seated and not pinned: tick \"Replace the "
                              "seats that are not pinned\" to let the suggestion move them."))
    pinned = {key: place.table_id for key, place in places.items()
              if place.pinned and key in keys}
    people = [suggest.Person(d.key, company=d.company_id, is_host=d.is_host,
                             host=d.host_key, guest_of=d.guest_key, pinned_at=pinned.get(d.key))
              for d in diners]
    result = suggest.suggest_plan(
        people, [suggest.Table(t.id, t.seats) for t in tables],
        activity.tables_allow_one_company)
    db.session.execute(delete(SeatPlace).where(SeatPlace.activity_id == activity.id,
                                               SeatPlace.pinned.is_(False)))
    db.session.flush()
    by_key = {d.key: d for d in diners}
    for table in tables:
        sitting = [p for p in people if result.tables.get(p.id) == table.id]
        taken = {place.seat for key, place in places.items()
                 if key in pinned and place.table_id == table.id}
        free = (n for n in range(1, table.seats + 1) if n not in taken)
        for person in suggest.seat_order(sitting):
            if person.id in pinned:
                continue
            diner = by_key[person.id]
            db.session.add(SeatPlace(activity_id=activity.id, table_id=table.id,
                                     invitation_id=diner.invitation_id, person=diner.person,
                                     organiser_id=diner.organiser_id, seat=next(free)))
    company_names = {d.company_id: d.company for d in diners}
    problems = [_problem_text(problem, company_names) for problem in result.problems]
    record(activity.event.workspace_id, by, "seating.suggested", event_id=activity.event_id,
           details={"part": activity.name, "part_id": activity.id,
                    "seated": len(result.tables),
                    "unseated": len(result.unseated)})
    db.session.flush()
    return SuggestionReport(len(result.tables), len(result.unseated), problems)


def _problem_text(problem: suggest.Problem, company_names: dict) -> str:
    if problem.kind is suggest.ProblemKind.TOO_FEW_SEATS:
        return str(_l("Too few seats: %(people)d people to seat at %(seats)d seats. Add "
                      "tables or seats.", people=problem.people, seats=problem.seats))
    return str(_l("%(company)s has %(people)d guests, but no table may be more than half one "
                  "company: these tables take %(seats)d of them. Add tables, or allow one "
                  "company per table.", company=company_names.get(problem.company, ""),
                  people=problem.people, seats=problem.seats))


# --- following the answers ---------------------------------------------------------------

#: Why someone left the plan, as the plan page says it.
LEFT_REASONS = {
    "no": _l("said no"),
    "maybe": _l("said maybe"),
    "waitlisted": _l("is on the waitlist"),
    "plus_ones": _l("brings fewer guests"),
    "revoked": _l("their link was revoked"),
    "erased": _l("their data was erased"),
    "not_coming": _l("is no longer coming"),
}


def release_seats_of(invitation_ids: Iterable[int], reason: str | None = None) -> int:
    """Take off every plan the places of these invitations that their answers no longer
    hold: the whole party at a part they do not say yes to (or whose link is revoked, or who
    were erased), the plus-ones beyond what the answer brings. Each departure is noted in the
    audit trail, which the plan page reads ("Left since the plan was made"). Returns how
    many places were freed. Called under the event's answer lock, in the answer's
    transaction."""
    ids = sorted(set(invitation_ids))
    if not ids:
        return 0
    places = db.session.scalars(
        select(SeatPlace).where(SeatPlace.invitation_id.in_(ids))
        .options(joinedload(SeatPlace.invitation).joinedload(Invitation.contact),
                 joinedload(SeatPlace.invitation).selectinload(Invitation.responses),
                 joinedload(SeatPlace.table).joinedload(DinnerTable.activity))
        .execution_options(populate_existing=True)).unique().all()
    freed = 0
    for place in places:
        invitation = place.invitation
        response = next((r for r in invitation.responses
                         if r.activity_id == place.activity_id), None)
        why = _why_not_seated(invitation, response, place.person, reason)
        if why is None:
            continue
        activity = place.table.activity
        if place.person == 0 or why == "plus_ones" or not any(
                p.invitation_id == invitation.id and p.person == 0
                and p.activity_id == place.activity_id for p in places):
            record(activity.event.workspace_id, None, "seating.left",
                   event_id=activity.event_id, contact_id=invitation.contact_id,
                   details={"activity_id": activity.id,
                            "name": invitation.contact.name if why != "erased" else "",
                            "person": place.person, "table": place.table.name,
                            "reason": why})
        db.session.delete(place)
        freed += 1
    db.session.flush()
    return freed


def _why_not_seated(invitation: Invitation, response: Response | None, person: int,
                    reason: str | None) -> str | None:
    if invitation.anonymised_at is not None:
        return "erased"
    if invitation.revoked_at is not None:
        return "revoked"
    if response is None:
        return reason or "not_coming"
    if response.status is not AnswerStatus.YES:
        return response.status.value if response.status.value in LEFT_REASONS else "not_coming"
    if person >= response.places:
        return "plus_ones"
    return None


def release_host_seats(event_ids: list[int], organiser_ids: list[int]) -> None:
    """Members who no longer host these events leave their parts' plans."""
    db.session.execute(delete(SeatPlace).where(
        SeatPlace.organiser_id.in_(organiser_ids),
        SeatPlace.activity_id.in_(select(Activity.id).where(Activity.event_id.in_(event_ids)))))
    db.session.flush()


def remove_part_plan(activity: Activity) -> None:
    """A part is removed: its places and tables go with it."""
    db.session.execute(delete(SeatPlace).where(SeatPlace.activity_id == activity.id))
    db.session.execute(delete(DinnerTable).where(DinnerTable.activity_id == activity.id))
    db.session.flush()


@dataclass(frozen=True)
class Departure:
    name: str
    reason: str
    table: str
    plus_one: bool


def departures_since_plan(activity: Activity) -> list[Departure]:
    """Who left the part's plan (``release_seats_of``) since the organiser last suggested
    a plan, cleared it or noted the departures: newest first."""
    event_id = activity.event_id
    marks = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event_id, AuditEntry.action.in_((
            "seating.suggested", "seating.cleared", "seating.departures_noted")))
        .order_by(AuditEntry.id.desc())).all()
    since = next((entry.id for entry in marks
                  if (entry.details or {}).get("part_id") == activity.id), 0)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event_id, AuditEntry.id > since,
                                 AuditEntry.action == "seating.left")
        .order_by(AuditEntry.id.desc())).all()
    return [Departure(entry.details.get("name") or str(_l("An erased guest")),
                      str(LEFT_REASONS.get(entry.details.get("reason") or "", "")),
                      entry.details.get("table") or "", bool(entry.details.get("person")))
            for entry in entries if entry.details.get("activity_id") == activity.id]


def note_departures(activity: Activity, by: Organiser) -> None:
    """The organiser has seen who left: the plan page stops listing them."""
    lock_answers(activity.event)
    record(activity.event.workspace_id, by, "seating.departures_noted",
           event_id=activity.event_id, details={"part": activity.name, "part_id": activity.id})
    db.session.flush()

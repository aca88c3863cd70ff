"""The dinner's table plan: tables, the people to seat, placing them, the suggested plan, the
plan following the guests' answers; and the plan page with its forms and its JSON moves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Organiser
from eventplanner.errors import DomainError, Full, InvalidInput, InvalidState
from eventplanner.events.models import Activity, EventHost
from eventplanner.events.services import remove_part
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.links import revoke_link
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.privacy.services import erase_contact
from eventplanner.seating import services
from eventplanner.seating.models import DinnerTable, SeatPlace, TableShape

YES, NO, MAYBE = AnswerStatus.YES, AnswerStatus.NO, AnswerStatus.MAYBE


@dataclass
class Dinner:
    owner: Organiser
    event_id: int
    activity_id: int

    def activity(self) -> Activity:
        return db.session.get(Activity, self.activity_id)


@pytest.fixture
def dinner(make_organiser, make_event, make_activity) -> Dinner:
    owner = make_organiser(name="Ingrid Haugen")
    event = make_event(owner=owner, status="published")
    part = make_activity(event, name="Dinner", kind="standard")
    return Dinner(owner, event.id, part.id)


@pytest.fixture
def guest(app, dinner, make_contact, make_invitation):
    """A guest of the dinner who answers (yes by default), with ``plus_ones`` named."""

    def make(name: str, company: str = "", answer: AnswerStatus = YES,
             plus_ones: tuple[str, ...] = (), allowed: int = 2) -> int:
        contact = make_contact(dinner.owner, name=name, company_name=company)
        with app.app_context():
            event = dinner.activity().event
        invitation = make_invitation(event, contact, plus_ones_allowed=allowed)
        with app.app_context():
            answer_as_guest(invitation.id, dinner.activity_id, answer, plus_ones)
        return invitation.id

    return make


def answer_as_guest(invitation_id: int, activity_id: int, answer: AnswerStatus,
                    plus_ones: tuple[str, ...] = ()) -> None:
    invitation = db.session.get(Invitation, invitation_id)
    respond_to_invitation(invitation, GuestAnswer({activity_id: answer}, plus_ones), utcnow())
    db.session.commit()


def host(app, dinner: Dinner, make_organiser, name: str) -> int:
    member = make_organiser(name=name)
    with app.app_context():
        db.session.add(EventHost(event_id=dinner.event_id, organiser_id=member.id))
        db.session.commit()
    return member.id


def add_tables(dinner: Dinner, **kwargs) -> list[int]:
    tables = services.add_tables(dinner.activity(), db.session.merge(dinner.owner), **kwargs)
    db.session.commit()
    return [table.id for table in tables]


def seat(dinner: Dinner, key: str, table_id: int, seat_number: int | None = None) -> SeatPlace:
    place = services.seat_person(dinner.activity(), key, table_id,
                                 db.session.merge(dinner.owner), seat=seat_number)
    db.session.commit()
    return place


def seated_keys(dinner: Dinner) -> dict[str, str]:
    return {services.place_key(place): place.table.name
            for place in services.places_at(dinner.activity(), fresh=True)}


# --- tables ------------------------------------------------------------------------------


def test_ten_tables_of_eight_are_added_at_once_and_numbered_on(app_ctx, dinner):
    add_tables(dinner, count=10, seats=8)
    add_tables(dinner, name="Fjellet", seats=12, shape=TableShape.LONG)
    add_tables(dinner, count=2, seats=6)
    tables = services.tables_of(dinner.activity())
    assert [t.name for t in tables] == [*(str(n) for n in range(1, 11)), "Fjellet", "11", "12"]
    assert {t.seats for t in tables[:10]} == {8}
    assert tables[10].shape is TableShape.LONG
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "seating.tables_added")).all() == ["seating.tables_added"] * 3


@pytest.mark.parametrize("kwargs, message", [
    ({"seats": 0}, "from 1 to 200 seats"), ({"seats": 201}, "from 1 to 200 seats"),
    ({"count": 0}, "from 1 to 100 tables"), ({"count": 101}, "from 1 to 100 tables"),
    ({"count": 2, "name": "Fjellet"}, "Name one table at a time"),
])
def test_tables_out_of_range_are_refused_with_a_clear_message(app_ctx, dinner, kwargs,
                                                               message):
    with pytest.raises(InvalidInput, match=message):
        add_tables(dinner, **kwargs)
    db.session.rollback()
    assert services.tables_of(dinner.activity()) == []


def test_a_table_name_is_used_once_per_part(app_ctx, dinner):
    [first] = add_tables(dinner, name="Fjellet")
    [second] = add_tables(dinner)
    with pytest.raises(InvalidInput, match="Another table"):
        add_tables(dinner, name="fjellet")
    db.session.rollback()
    with pytest.raises(InvalidInput, match="Another table"):
        services.change_table(db.session.get(DinnerTable, second), dinner.owner,
                              name="FJELLET", seats=8, shape=TableShape.ROUND)


def test_a_table_cannot_have_fewer_seats_than_people_at_it(app_ctx, dinner, guest):
    keys = [services.guest_key(guest(f"Guest {n}"), 0) for n in range(3)]
    [table_id] = add_tables(dinner, seats=4)
    for key in keys:
        seat(dinner, key, table_id)
    table = db.session.get(DinnerTable, table_id)
    with pytest.raises(InvalidState, match="3 people sit at this table"):
        services.change_table(table, dinner.owner, name="1", seats=2, shape=TableShape.ROUND)
    db.session.rollback()
    services.change_table(table, dinner.owner, name="Fjellet", seats=3, shape=TableShape.LONG)
    db.session.commit()
    table = db.session.get(DinnerTable, table_id)
    assert (table.name, table.seats, table.shape) == ("Fjellet", 3, TableShape.LONG)


def test_a_table_with_people_is_deleted_only_when_told_to_unseat_them(app_ctx, dinner,
                                                                       guest):
    key = services.guest_key(guest("Kari Nordmann"), 0)
    [table_id] = add_tables(dinner)
    seat(dinner, key, table_id)
    with pytest.raises(InvalidState, match="1 person sits at this table"):
        services.delete_table(db.session.get(DinnerTable, table_id), dinner.owner)
    db.session.rollback()
    assert services.delete_table(db.session.get(DinnerTable, table_id), dinner.owner,
                                 unseat=True) == 1
    db.session.commit()
    plan = services.plan_of(dinner.activity())
    assert plan.tables == [] and [d.name for d in plan.unseated] == ["Kari Nordmann"]


# --- the people to seat ------------------------------------------------------------------


def test_the_people_to_seat_are_the_yes_guests_with_their_plus_ones_and_the_hosts(
        app, dinner, guest, make_organiser):
    host(app, dinner, make_organiser, "Hanne Host")
    guest("Kari Nordmann", "Nordlys", plus_ones=("Ola Nordmann",))
    guest("Per Hansen", "Fjord AS", answer=NO)
    guest("Mia Maybe", answer=MAYBE)
    unnamed = guest("Anne Berg", "Fjord AS", plus_ones=("",), allowed=1)
    with app.app_context():  # a party of two with no name given for the plus-one
        response = db.session.get(Invitation, unnamed).responses[0]
        response.places = 2
        db.session.commit()
        people = services.people_to_seat(db.session.get(Activity, dinner.activity_id))
    assert [(p.name, p.company, p.is_host, p.is_plus_one) for p in people] == [
        ("Hanne Host", "", True, False),
        ("Anne Berg", "Fjord AS", False, False),
        ("Guest of Anne Berg", "", False, True),
        ("Kari Nordmann", "Nordlys", False, False),
        ("Ola Nordmann", "", False, True)]


# --- placing people ----------------------------------------------------------------------


def test_a_person_sits_once_and_moving_them_keeps_one_place(app_ctx, dinner, guest):
    key = services.guest_key(guest("Kari Nordmann"), 0)
    first, second = add_tables(dinner, count=2, seats=4)
    assert seat(dinner, key, first).seat == 1
    assert seat(dinner, key, second, 3).seat == 3
    assert seated_keys(dinner) == {key: "2"}
    assert services.unseat_person(dinner.activity(), key, dinner.owner)
    assert not services.unseat_person(dinner.activity(), key, dinner.owner)


def test_a_full_table_takes_nobody_more_and_a_taken_seat_is_refused(app_ctx, dinner, guest):
    keys = [services.guest_key(guest(f"Guest {n}"), 0) for n in range(3)]
    [table_id] = add_tables(dinner, seats=2)
    seat(dinner, keys[0], table_id, 2)
    with pytest.raises(Full, match="Seat 2 at table 1 is taken"):
        seat(dinner, keys[1], table_id, 2)
    db.session.rollback()
    with pytest.raises(InvalidInput, match="seats 1 to 2"):
        seat(dinner, keys[1], table_id, 3)
    db.session.rollback()
    assert seat(dinner, keys[1], table_id).seat == 1
    with pytest.raises(Full, match="Table 1 is full: 2 seats"):
        seat(dinner, keys[2], table_id)
    db.session.rollback()
    assert len(seated_keys(dinner)) == 2


def test_only_people_coming_can_be_seated(app_ctx, dinner, guest):
    no = services.guest_key(guest("Per Hansen", answer=NO), 0)
    plus_one_not_brought = services.guest_key(guest("Kari Nordmann"), 1)
    [table_id] = add_tables(dinner)
    for key in (no, plus_one_not_brought, "h999999", "nonsense"):
        with pytest.raises(DomainError, match="cannot be seated|find that person"):
            seat(dinner, key, table_id)
        db.session.rollback()


def test_pinning_needs_a_seat_and_is_kept(app_ctx, dinner, guest):
    key = services.guest_key(guest("Kari Nordmann"), 0)
    [table_id] = add_tables(dinner)
    with pytest.raises(InvalidState, match="before pinning"):
        services.pin_person(dinner.activity(), key, True)
    db.session.rollback()
    seat(dinner, key, table_id)
    assert services.pin_person(dinner.activity(), key, True).pinned
    db.session.commit()
    assert services.clear_unpinned(dinner.activity(), dinner.owner) == 0


# --- the plan follows the answers --------------------------------------------------------


def test_a_guest_who_says_no_leaves_their_seats_and_the_organiser_is_told(app_ctx, dinner,
                                                                         guest):
    kari = guest("Kari Nordmann", plus_ones=("Ola Nordmann",))
    [table_id] = add_tables(dinner)
    seat(dinner, services.guest_key(kari, 0), table_id)
    seat(dinner, services.guest_key(kari, 1), table_id)
    answer_as_guest(kari, dinner.activity_id, NO)
    assert seated_keys(dinner) == {}
    [left] = services.departures_since_plan(dinner.activity())
    assert (left.name, left.reason, left.table) == ("Kari Nordmann", "said no", "1")
    services.note_departures(dinner.activity(), dinner.owner)
    db.session.commit()
    assert services.departures_since_plan(dinner.activity()) == []
    answer_as_guest(kari, dinner.activity_id, YES)
    assert {d.name for d in services.plan_of(dinner.activity()).unseated} == {
        "Kari Nordmann"}


def test_fewer_plus_ones_free_the_extra_seats(app_ctx, dinner, guest):
    kari = guest("Kari Nordmann", plus_ones=("Ola", "Per"))
    [table_id] = add_tables(dinner)
    for person in range(3):
        seat(dinner, services.guest_key(kari, person), table_id)
    answer_as_guest(kari, dinner.activity_id, YES, ("Ola",))
    assert set(seated_keys(dinner)) == {services.guest_key(kari, 0),
                                        services.guest_key(kari, 1)}
    [left] = services.departures_since_plan(dinner.activity())
    assert left.reason == "brings fewer guests"


def test_a_guest_from_the_waitlist_appears_among_the_unseated(app_ctx, dinner, guest):
    activity = dinner.activity()
    activity.capacity = 1
    db.session.commit()
    kari = guest("Kari Nordmann")
    per = guest("Per Hansen")
    assert db.session.get(Invitation, per).responses[0].status is AnswerStatus.WAITLISTED
    [table_id] = add_tables(dinner)
    seat(dinner, services.guest_key(kari, 0), table_id)
    answer_as_guest(kari, dinner.activity_id, NO)
    plan = services.plan_of(dinner.activity())
    assert [d.name for d in plan.unseated] == ["Per Hansen"]


def test_a_revoked_link_or_an_erased_guest_leaves_the_plan(app_ctx, dinner, guest):
    kari, per = guest("Kari Nordmann"), guest("Per Hansen")
    [table_id] = add_tables(dinner)
    seat(dinner, services.guest_key(kari, 0), table_id)
    seat(dinner, services.guest_key(per, 0), table_id)
    revoke_link(db.session.get(Invitation, kari), utcnow())
    db.session.commit()
    erase_contact(db.session.get(Invitation, per).contact, utcnow(), dinner.owner)
    db.session.commit()
    assert seated_keys(dinner) == {}
    assert [(d.name, d.reason) for d in services.departures_since_plan(dinner.activity())] == [
        ("An erased guest", "their data was erased"),
        ("Kari Nordmann", "their link was revoked")]


def test_a_removed_part_takes_its_plan_with_it(app_ctx, dinner, guest):
    key = services.guest_key(guest("Kari Nordmann"), 0)
    [table_id] = add_tables(dinner)
    seat(dinner, key, table_id)
    remove_part(dinner.activity(), utcnow(), by=dinner.owner)
    db.session.commit()
    assert db.session.scalars(select(DinnerTable)).all() == []
    assert db.session.scalars(select(SeatPlace)).all() == []


# --- the suggested plan ------------------------------------------------------------------


def test_a_plan_for_a_part_nobody_joined_says_there_is_nobody_to_seat(app_ctx, dinner):
    add_tables(dinner, count=2)
    with pytest.raises(InvalidState, match="nobody to seat"):
        services.suggest_for(dinner.activity(), dinner.owner)


def test_the_suggestion_seats_guests_with_their_host_and_keeps_pins(app, dinner, guest,
                                                                   make_organiser):
    hanne = host(app, dinner, make_organiser, "Hanne Host")
    hugo = host(app, dinner, make_organiser, "Hugo Host")
    guests = {}
    for n, (name, company, their_host) in enumerate((
            ("Kari Nordmann", "Nordlys", hanne), ("Per Hansen", "Fjord AS", hugo),
            ("Anne Berg", "Fjord AS", hanne), ("Ola Dahl", "Nordlys", hugo))):
        guests[name] = guest(name, company, plus_ones=("Partner",) if n == 0 else ())
        with app.app_context():
            db.session.get(Invitation, guests[name]).host_id = their_host
            db.session.commit()
    with app.app_context():
        first, second, third = add_tables(dinner, count=3, seats=4)
        seat(dinner, services.guest_key(guests["Ola Dahl"], 0), third)
        services.pin_person(dinner.activity(), services.guest_key(guests["Ola Dahl"], 0), True)
        db.session.commit()
        report = services.suggest_for(dinner.activity(), dinner.owner)
        db.session.commit()
        assert (report.seated, report.unseated, report.problems) == (7, 0, [])
        tables = seated_keys(dinner)
        assert tables[services.guest_key(guests["Ola Dahl"], 0)] == "3"
        assert tables[services.host_key(hanne)] != tables[services.host_key(hugo)]
        kari = services.guest_key(guests["Kari Nordmann"], 0)
        assert tables[kari] == tables[services.guest_key(guests["Kari Nordmann"], 1)] == \
            tables[services.host_key(hanne)]
        at_hannes = sorted((place.seat, services.place_key(place)) for place in
                           services.places_at(dinner.activity())
                           if tables[services.place_key(place)] == tables[kari])
        order = [key for _seat, key in at_hannes]
        assert order[0] == services.host_key(hanne)  # the host first, then their guests
        assert order[order.index(kari) + 1] == services.guest_key(guests["Kari Nordmann"], 1)


def test_the_suggestion_says_what_keeps_people_unseated(app_ctx, dinner, guest):
    for n in range(5):
        guest(f"Nordlys {n}", "Nordlys")
    add_tables(dinner, count=2, seats=2)
    report = services.suggest_for(dinner.activity(), dinner.owner)
    assert report.unseated == 3
    assert report.problems == [
        "Too few seats: 5 people to seat at 4 seats. Add tables or seats.",
        "Nordlys has 5 guests, but no table may be more than half one company: these tables "
        "take 2 of them. Add tables, or allow one company per table."]


# --- the plan page -----------------------------------------------------------------------


def plan_url(dinner: Dinner, tail: str = "") -> str:
    return f"/events/{dinner.event_id}/parts/{dinner.activity_id}/tables{tail}"


def seats_url(dinner: Dinner, tail: str = "") -> str:
    return f"/events/{dinner.event_id}/parts/{dinner.activity_id}/seats{tail}"


def test_the_organiser_builds_the_plan_with_forms_and_the_page_shows_it(
        app, dinner, guest, log_in, make_organiser):
    hanne = host(app, dinner, make_organiser, "Hanne Host")
    kari = guest("Kari Nordmann", "Nordlys", plus_ones=("Ola Nordmann",))
    browser = log_in(dinner.owner)
    event_page = browser.get(f"/events/{dinner.event_id}").get_data(as_text=True)
    assert plan_url(dinner) in event_page
    response = browser.submit(plan_url(dinner), {"count": "3", "seats": "8",
                                                 "shape": "round", "name": ""})
    assert response.status_code == 303
    with app.app_context():
        first, second, _third = (t.id for t in services.tables_of(
            db.session.get(Activity, dinner.activity_id)))
    assert browser.submit(seats_url(dinner), {"person": f"g{kari}-0", "table_id": first}
                          ).status_code == 303
    browser.submit(seats_url(dinner), {"person": f"h{hanne}", "table_id": first})
    browser.submit(seats_url(dinner, "/pin"), {"person": f"g{kari}-0", "pinned": "y"})
    browser.submit(plan_url(dinner, f"/{second}"), {
        f"t{second}-name": "Fjellet", f"t{second}-seats": "10", f"t{second}-shape": "long"})
    page = browser.get(plan_url(dinner)).get_data(as_text=True)
    assert "3 tables added." in page or "Table Fjellet" in page
    assert "Table Fjellet" in page and "Kari Nordmann" in page and "Nordlys" in page
    assert "Host" in page and "Pinned" in page and "Plus-one" in page
    assert "Ola Nordmann" in page.split('id="unseated"')[1]  # not seated yet
    assert "2 of 8 seats taken" in page
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"seating.tables_added", "seating.table_changed"} <= actions


def test_a_move_by_drag_and_drop_answers_json_and_a_full_table_is_a_409(
        app, dinner, guest, log_in):
    kari, per = guest("Kari Nordmann"), guest("Per Hansen")
    browser = log_in(dinner.owner)
    browser.submit(plan_url(dinner), {"count": "1", "seats": "1", "shape": "round"})
    with app.app_context():
        [table] = services.tables_of(db.session.get(Activity, dinner.activity_id))
    json_headers = {"Accept": "application/json"}
    answer = browser.submit(seats_url(dinner), {"person": f"g{kari}-0",
                                                "table_id": table.id}, headers=json_headers)
    assert (answer.status_code, answer.get_json()) == (
        200, {"ok": True, "table_id": table.id, "seat": 1})
    full = browser.submit(seats_url(dinner), {"person": f"g{per}-0", "table_id": table.id},
                          headers=json_headers)
    assert full.status_code == 409
    assert full.get_json() == {"ok": False, "message": "Table 1 is full: 1 seats."}
    other = browser.submit(seats_url(dinner), {"person": f"g{per}-0", "table_id": 999999},
                           headers=json_headers)
    assert other.status_code == 404 and other.get_json()["ok"] is False
    bad = browser.submit(seats_url(dinner), {"person": "", "table_id": "x"},
                         headers=json_headers)
    assert bad.status_code == 422
    for person in ("g99999999999999-0", "h99999999999", "g1-999", "x"):  # no such person
        for url in (seats_url(dinner), seats_url(dinner, "/pin")):
            assert browser.submit(url, {"person": person, "table_id": "0"},
                                  headers=json_headers).status_code in (303, 404)
    unseat = browser.submit(seats_url(dinner), {"person": f"g{kari}-0", "table_id": "0"},
                            headers=json_headers)
    assert unseat.get_json() == {"ok": True, "table_id": 0}


def test_suggesting_asks_before_replacing_unpinned_seats(app, dinner, guest, log_in):
    kari, per = guest("Kari Nordmann", "Nordlys"), guest("Per Hansen", "Fjord AS")
    browser = log_in(dinner.owner)
    browser.submit(plan_url(dinner), {"count": "2", "seats": "4", "shape": "round"})
    with app.app_context():
        first, _second = services.tables_of(db.session.get(Activity, dinner.activity_id))
    browser.submit(seats_url(dinner), {"person": f"g{kari}-0", "table_id": first.id})
    browser.submit(plan_url(dinner, "/suggest"), {})
    assert "tick" in browser.get(plan_url(dinner)).get_data(as_text=True)
    browser.submit(plan_url(dinner, "/suggest"), {"replace": "y"})
    page = browser.get(plan_url(dinner)).get_data(as_text=True)
    assert "A plan is suggested: 2 people seated." in page
    browser.submit(plan_url(dinner, "/clear"), {})
    assert "2 people unseated." in browser.get(plan_url(dinner)).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "seating.suggested")).all() == ["seating.suggested"]
    assert per


def test_deleting_a_table_with_people_is_refused_unless_they_are_unseated(
        app, dinner, guest, log_in):
    kari = guest("Kari Nordmann")
    browser = log_in(dinner.owner)
    browser.submit(plan_url(dinner), {"count": "1", "seats": "4", "shape": "round"})
    with app.app_context():
        [table] = services.tables_of(db.session.get(Activity, dinner.activity_id))
    browser.submit(seats_url(dinner), {"person": f"g{kari}-0", "table_id": table.id})
    browser.submit(plan_url(dinner, f"/{table.id}/delete"), {})
    assert "1 person sits at this table" in browser.get(plan_url(dinner)).get_data(
        as_text=True)
    browser.submit(plan_url(dinner, f"/{table.id}"), {
        f"t{table.id}-name": "1", f"t{table.id}-seats": "0", f"t{table.id}-shape": "round"})
    assert "from 1 to 200 seats" in browser.get(plan_url(dinner)).get_data(as_text=True)
    browser.submit(plan_url(dinner, f"/{table.id}/delete"), {"unseat": "y"})
    page = browser.get(plan_url(dinner)).get_data(as_text=True)
    assert "The table is deleted; 1 person is unseated." in page and "No tables yet." in page


def test_a_part_nobody_joined_shows_a_clear_empty_plan(app, dinner, log_in):
    browser = log_in(dinner.owner)
    page = browser.get(plan_url(dinner)).get_data(as_text=True)
    assert "there is nobody to seat" in page
    browser.submit(plan_url(dinner), {"count": "2", "seats": "8", "shape": "round"})
    browser.submit(plan_url(dinner, "/suggest"), {})
    assert "Nobody has said yes to this part yet: there is nobody to seat." in browser.get(
        plan_url(dinner)).get_data(as_text=True)


def test_the_plan_page_says_who_left_since_the_plan_was_made(app, dinner, guest, log_in):
    kari = guest("Kari Nordmann")
    browser = log_in(dinner.owner)
    browser.submit(plan_url(dinner), {"count": "1", "seats": "4", "shape": "round"})
    with app.app_context():
        [table] = services.tables_of(db.session.get(Activity, dinner.activity_id))
    browser.submit(seats_url(dinner), {"person": f"g{kari}-0", "table_id": table.id})
    with app.app_context():
        answer_as_guest(kari, dinner.activity_id, NO)
    page = browser.get(plan_url(dinner)).get_data(as_text=True)
    assert "Left since the plan was made:" in page
    assert "Kari Nordmann (said no, table 1)" in page
    browser.submit(plan_url(dinner, "/departures-noted"), {})
    assert "Left since" not in browser.get(plan_url(dinner)).get_data(as_text=True)


def test_a_viewer_sees_the_plan_read_only(app, dinner, guest, make_organiser, log_in):
    from eventplanner.auth.models import Membership, Role
    from eventplanner.auth.services import register_organiser
    from tests.conftest import PASSWORD

    guest("Kari Nordmann")
    with app.app_context():  # Vera is a viewer in the owner's team, and in no other
        viewer = register_organiser("Vera Viewer", "vera@example.com", PASSWORD,
                                    own_workspace=False)
        db.session.add(Membership(workspace_id=db.session.merge(dinner.owner).workspace_id,
                                  organiser_id=viewer.id, role=Role.VIEWER))
        db.session.commit()
        db.session.refresh(viewer)
    browser = log_in(viewer)
    page = browser.get(plan_url(dinner))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kari Nordmann" in text and "Suggest a plan" not in text and "seating.js" not in text
    assert browser.submit(plan_url(dinner), {"count": "1", "seats": "4",
                                             "shape": "round"}).status_code == 403

"""The table plan across processes: organisers in several OS processes, each with its own
engine and connections, seat and move the same guests at small tables while guests change
their answers. After every round:

- no table holds more people than its seats, and no seat number is given twice at a table;
- nobody sits twice at the part;
- everyone seated is still coming (a guest who said no left their seat in the same
  transaction).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select

from eventplanner.errors import DomainError
from eventplanner.events.models import Activity
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.seating import services
from eventplanner.seating.models import DinnerTable, SeatPlace
from tests.conftest import process_context, stop_processes
from tests.test_capacity_processes import process_app

ORGANISERS, ROUNDS, MOVES_PER_ROUND = 3, 15, 8
GUESTS, TABLES, SEATS = 12, 3, 3
WAIT = 120


def _move_people(url: str, activity_id: int, organiser_id: int, keys: list[str],
                 seed: int, barrier, outcomes) -> None:
    from eventplanner.auth.models import Organiser

    app = process_app(url)
    rng = random.Random(seed)
    counts = {"moves": 0, "refused": 0, "errors": []}
    with app.app_context():
        table_ids = list(db.session.scalars(select(DinnerTable.id).where(
            DinnerTable.activity_id == activity_id)))
        for _round in range(ROUNDS):
            for _ in range(MOVES_PER_ROUND):
                try:
                    activity = db.session.get(Activity, activity_id)
                    organiser = db.session.get(Organiser, organiser_id)
                    key = rng.choice(keys)
                    if rng.random() < 0.15:
                        services.unseat_person(activity, key, organiser)
                    else:
                        services.seat_person(activity, key, rng.choice(table_ids), organiser)
                    db.session.commit()
                    counts["moves"] += 1
                except DomainError:  # a full table, a guest not coming: refused, by design
                    db.session.rollback()
                    counts["refused"] += 1
                except Exception as error:  # noqa: BLE001 - reported to the test
                    db.session.rollback()
                    counts["errors"].append(repr(error))
            barrier.wait(WAIT)
            barrier.wait(WAIT)
        db.engine.dispose()
    outcomes.put(counts)


def _answer(url: str, activity_id: int, invitation_ids: list[int], seed: int, barrier,
            outcomes) -> None:
    app = process_app(url)
    rng = random.Random(seed)
    counts = {"answers": 0, "refused": 0, "errors": []}
    with app.app_context():
        for _round in range(ROUNDS):
            for _ in range(MOVES_PER_ROUND // 2):
                try:
                    invitation = db.session.get(Invitation, rng.choice(invitation_ids))
                    status = rng.choice([AnswerStatus.YES, AnswerStatus.YES, AnswerStatus.NO])
                    respond_to_invitation(invitation, GuestAnswer({activity_id: status}),
                                          utcnow())
                    db.session.commit()
                    counts["answers"] += 1
                except DomainError:
                    db.session.rollback()
                    counts["refused"] += 1
                except Exception as error:  # noqa: BLE001 - reported to the test
                    db.session.rollback()
                    counts["errors"].append(repr(error))
            barrier.wait(WAIT)
            barrier.wait(WAIT)
        db.engine.dispose()
    outcomes.put(counts)


def broken_rules(activity_id: int) -> list[str]:
    broken = []
    places = db.session.scalars(select(SeatPlace).where(SeatPlace.activity_id == activity_id)
                                .execution_options(populate_existing=True)).all()
    tables = {t.id: t for t in db.session.scalars(select(DinnerTable).where(
        DinnerTable.activity_id == activity_id))}
    for table_id, count in Counter(p.table_id for p in places).items():
        if count > tables[table_id].seats:
            broken.append(f"table {tables[table_id].name}: {count} at {tables[table_id].seats}")
    for (table_id, seat), count in Counter((p.table_id, p.seat) for p in places).items():
        if count > 1:
            broken.append(f"table {tables[table_id].name}: seat {seat} given {count} times")
    for key, count in Counter(services.place_key(p) for p in places).items():
        if count > 1:
            broken.append(f"{key} sits {count} times")
    coming = dict(db.session.execute(select(Response.invitation_id, Response.status).where(
        Response.activity_id == activity_id)).all())
    for place in places:
        if coming.get(place.invitation_id) is not AnswerStatus.YES:
            broken.append(f"{services.place_key(place)} is seated, answer "
                          f"{coming.get(place.invitation_id)}")
    return broken


@pytest.mark.long
def test_the_plan_holds_while_organisers_move_guests_in_several_processes(
        app, backend, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    part = make_activity(event, name="Dinner", kind="standard")
    invitation_ids = [make_invitation(event, make_contact(owner)).id for _ in range(GUESTS)]
    with app.app_context():
        for invitation_id in invitation_ids:
            respond_to_invitation(db.session.get(Invitation, invitation_id),
                                  GuestAnswer({part.id: AnswerStatus.YES}), utcnow())
        services.add_tables(db.session.get(Activity, part.id), db.session.merge(owner),
                            count=TABLES, seats=SEATS)
        db.session.commit()
    keys = [services.guest_key(invitation_id, 0) for invitation_id in invitation_ids]
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    context = process_context()
    barrier = context.Barrier(ORGANISERS + 2)
    outcomes = context.Queue()
    processes = [context.Process(target=_move_people, args=(
        url, part.id, owner.id, keys, 10 + n, barrier, outcomes)) for n in range(ORGANISERS)]
    processes.append(context.Process(target=_answer, args=(
        url, part.id, invitation_ids, 99, barrier, outcomes)))
    for process in processes:
        process.start()
    broken, checks = [], 0
    try:
        with app.app_context():
            for round_number in range(ROUNDS):
                barrier.wait(WAIT)
                broken += [f"round {round_number}: {rule}" for rule in broken_rules(part.id)]
                checks += 1
                db.session.rollback()
                barrier.wait(WAIT)
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    errors = [error for result in results for error in result["errors"]]
    moves = sum(result.get("moves", 0) for result in results)
    answers = sum(result.get("answers", 0) for result in results)
    refused = sum(result["refused"] for result in results)
    print(f"\n{backend.name}: {len(processes)} processes, {ROUNDS} rounds, {moves} moves and "
          f"{answers} answers saved, {refused} refused by the rules, {checks} checks")
    assert errors == []
    assert broken == []
    assert moves > ROUNDS and refused > 0  # the race really ran, and tables did fill

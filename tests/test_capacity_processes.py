"""Capacity across processes: guests answer yes and no in several OS processes, each with its
own engine and connections, while an organiser process raises and lowers the parts'
capacities. After every round both rules are checked:

- confirmed places (guests and plus-ones) never exceed a part's capacity;
- nobody waits while a place they fit is free.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sqlalchemy import select

from eventplanner.errors import DomainError
from eventplanner.events.models import Activity
from eventplanner.events.services import activity_details_of, change_part
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.invitations.waitlist import confirmed_places
from tests.conftest import app_for, process_context, stop_processes

GUEST_PROCESSES, GUESTS_EACH, ROUNDS, ANSWERS_PER_ROUND = 4, 6, 25, 5
WAIT = 120  # seconds a process waits for the others at the end of a round


def process_app(url: str):
    """The app in a process of its own. On SQLite a writer waits up to a minute for the
    database's one write lock (sqlite3's default is 5 s): on a loaded machine, with the test
    suite's workers beside it, the holder can wait longer than that for a core, and the test
    is about the capacity rules, not about how long a lock is waited for."""
    if url.startswith("sqlite"):
        return app_for(url, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 60}})
    return app_for(url)


def _answer_at_random(url: str, invitation_ids: list[int], part_ids: list[int], seed: int,
                      barrier, outcomes) -> None:
    app = process_app(url)
    rng = random.Random(seed)
    counts = {"answers": 0, "refused": 0, "errors": []}
    with app.app_context():
        for _round in range(ROUNDS):
            for _ in range(ANSWERS_PER_ROUND):
                answers = {part: rng.choice([AnswerStatus.YES, AnswerStatus.YES,
                                             AnswerStatus.NO, AnswerStatus.MAYBE])
                           for part in part_ids}
                names = tuple(f"Friend {n}" for n in range(rng.randint(0, 2)))
                try:
                    invitation = db.session.get(Invitation, rng.choice(invitation_ids))
                    respond_to_invitation(invitation, GuestAnswer(answers, names), utcnow())
                    db.session.commit()
                    counts["answers"] += 1
                except DomainError:  # a party that no longer fits is refused, by design
                    db.session.rollback()
                    counts["refused"] += 1
                except Exception as error:  # noqa: BLE001 - reported to the test
                    db.session.rollback()
                    counts["errors"].append(repr(error))
            barrier.wait(WAIT)  # the round is over
            barrier.wait(WAIT)  # the test has checked the rules
        db.engine.dispose()
    outcomes.put(counts)


def _change_capacities(url: str, part_ids: list[int], seed: int, barrier, outcomes) -> None:
    app = process_app(url)
    rng = random.Random(seed)
    counts = {"changes": 0, "refused": 0, "errors": []}
    with app.app_context():
        for _round in range(ROUNDS):
            for part_id in part_ids * 2:
                try:
                    activity = db.session.get(Activity, part_id)
                    # Around the places confirmed as the form shows them (read before the
                    # change takes the lock): some lower, some raise, a few are refused.
                    shown = confirmed_places(part_id)
                    details = replace(activity_details_of(activity),
                                      capacity=max(1, shown + rng.randint(-1, 3)))
                    change_part(activity, details, utcnow())
                    db.session.commit()
                    counts["changes"] += 1
                except DomainError:  # below the places confirmed: refused, by design
                    db.session.rollback()
                    counts["refused"] += 1
                except Exception as error:  # noqa: BLE001 - reported to the test
                    db.session.rollback()
                    counts["errors"].append(repr(error))
            barrier.wait(WAIT)
            barrier.wait(WAIT)
        db.engine.dispose()
    outcomes.put(counts)


def broken_rules(part_ids: list[int]) -> list[str]:
    """What breaks either rule right now, part by part."""
    broken = []
    for part_id in part_ids:
        capacity = db.session.get(Activity, part_id, populate_existing=True).capacity
        answers = db.session.execute(select(Response.status, Response.places).where(
            Response.activity_id == part_id)).all()
        confirmed = sum(places for status, places in answers if status is AnswerStatus.YES)
        waiting = [places for status, places in answers if status is AnswerStatus.WAITLISTED]
        free = None if capacity is None else capacity - confirmed
        if free is not None and free < 0:
            broken.append(f"part {part_id}: {confirmed} confirmed of {capacity}")
        fits = [places for places in waiting if free is None or places <= free]
        if fits:
            broken.append(f"part {part_id}: parties of {fits} wait with {free} free")
    return broken


@pytest.mark.long
def test_capacity_holds_while_processes_answer_and_the_organiser_edits(
        app, backend, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    part_ids = [make_activity(event, name="Stair race", capacity=8).id,
                make_activity(event, name="Dinner", kind="standard", capacity=10).id]
    invitation_ids = [make_invitation(event, make_contact(owner), plus_ones_allowed=2).id
                      for _ in range(GUEST_PROCESSES * GUESTS_EACH)]
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    context = process_context()
    barrier = context.Barrier(GUEST_PROCESSES + 2)
    outcomes = context.Queue()
    processes = [context.Process(target=_change_capacities,
                                 args=(url, part_ids, 1, barrier, outcomes))]
    processes += [
        context.Process(target=_answer_at_random, args=(
            url, invitation_ids[n * GUESTS_EACH:(n + 1) * GUESTS_EACH], part_ids, 100 + n,
            barrier, outcomes))
        for n in range(GUEST_PROCESSES)]
    for process in processes:
        process.start()
    checks, broken = 0, []
    try:
        with app.app_context():
            for round_number in range(ROUNDS):
                barrier.wait(WAIT)
                broken += [f"round {round_number}: {rule}" for rule in broken_rules(part_ids)]
                checks += 2 * len(part_ids)
                db.session.rollback()
                barrier.wait(WAIT)
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    errors = [error for result in results for error in result["errors"]]
    answers = sum(result.get("answers", 0) for result in results)
    changes = sum(result.get("changes", 0) for result in results)
    print(f"\n{backend.name}: {len(processes)} processes, {ROUNDS} rounds, {answers} answers "
          f"saved, {changes} capacity changes saved, "
          f"{sum(result['refused'] for result in results)} refused by the rules, "
          f"{checks} invariant checks")
    assert errors == []
    assert broken == []
    assert answers > ROUNDS and changes > ROUNDS  # the race really ran

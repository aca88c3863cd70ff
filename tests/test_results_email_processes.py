"""Results emails across processes: several organiser processes (each with its own engine
and connections) press "Email each participant their result" at the same moment, round
after round, on PostgreSQL. Each result must be emailed exactly once per round: the claim
is one conditional UPDATE in the database, not a check in Python that two processes can
both pass."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db, utcnow
from eventplanner.goals.models import Result, ResultStatus
from eventplanner.goals.services import email_results, publish_results, record_result
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.mail.models import Message
from tests.conftest import app_for, process_context, stop_processes

PROCESSES, RACERS, ROUNDS = 4, 6, 15
WAIT = 120  # seconds a process waits for the others


def _click_email_results(url: str, part_id: int, barrier, outcomes) -> None:
    app = app_for(url)
    queued, errors = [], []
    with app.app_context():
        for _round in range(ROUNDS):
            barrier.wait(WAIT)  # the test has reset the round
            barrier.wait(WAIT)  # every process clicks at once
            try:
                queued.append(email_results(db.session.get(Activity, part_id), utcnow()))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
            db.session.expunge_all()
            barrier.wait(WAIT)  # the round is over
        db.engine.dispose()
    outcomes.put({"queued": queued, "errors": errors})


def test_clicks_in_several_processes_at_once_email_each_result_once(
        app, backend, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    if backend.name != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    part_id = make_activity(event, name="Stair race").id
    invitation_ids = [make_invitation(event, make_contact(owner)).id for _ in range(RACERS)]
    with app.app_context():
        race = db.session.get(Activity, part_id)
        for number, invitation_id in enumerate(invitation_ids):
            invitation = db.session.get(Invitation, invitation_id)
            respond_to_invitation(invitation, GuestAnswer({part_id: AnswerStatus.YES}),
                                  utcnow())
            record_result(race, invitation, ResultStatus.FINISHED, f"9:{10 + number}")
        publish_results(db.session.get(Event, event.id), True, utcnow())
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    context = process_context()
    barrier = context.Barrier(PROCESSES + 1)
    outcomes = context.Queue()
    processes = [context.Process(target=_click_email_results,
                                 args=(url, part_id, barrier, outcomes))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    emailed = []
    try:
        with app.app_context():
            for _round in range(ROUNDS):
                db.session.execute(delete(Message).where(Message.kind == "results"))
                db.session.execute(update(Result).values(emailed_at=None))
                db.session.commit()
                barrier.wait(WAIT)
                barrier.wait(WAIT)
                barrier.wait(WAIT)
                emailed.append(db.session.execute(
                    select(Message.invitation_id, func.count())
                    .where(Message.kind == "results").group_by(Message.invitation_id)).all())
                db.session.rollback()
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    assert [error for result in results for error in result["errors"]] == []
    for round_number, counts in enumerate(emailed):
        assert sorted(counts) == [(i, 1) for i in sorted(invitation_ids)], (
            f"round {round_number}: each result emailed once")
    queued = [sum(clicks) for clicks in zip(*(r["queued"] for r in results), strict=True)]
    assert queued == [RACERS] * ROUNDS, "the clicks together queued one email per result"

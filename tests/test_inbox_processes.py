"""Calendar answers taken in by several processes at once (several listeners, or a listener
and a mailbox reader): the part's capacity holds, and an email delivered twice at the same
moment (a mail server retrying while the first copy is still being saved) is noted and
applied once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventplanner.calendar.services import part_uid
from eventplanner.extensions import db
from eventplanner.inbox.models import IncomingMail, IncomingOutcome
from eventplanner.inbox.receiving import receive_and_commit
from eventplanner.invitations.models import AnswerStatus, Invitation, Response, ResponseChange
from eventplanner.invitations.reply_address import reply_address
from tests.conftest import app_for, process_context, stop_processes
from tests.test_inbox import calendar_reply

PROCESSES, GUESTS, CAPACITY = 4, 16, 5
WAIT = 120


def _take_in(url: str, secret_key: str, emails: list[tuple[str, bytes]], barrier,
             outcomes) -> None:
    """One process: wait for the others, then take in its emails, each committed. The
    test's secret key makes the reply addresses the same as the test's."""
    settings = {"SECRET_KEY": secret_key}
    if url.startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 60}}
    app = app_for(url, **settings)
    errors = []
    with app.app_context():
        barrier.wait(WAIT)
        for address, raw in emails:
            try:
                receive_and_commit(raw, [address])
            except Exception as error:  # noqa: BLE001 - reported to the test
                errors.append(repr(error))
        db.engine.dispose()
    outcomes.put(errors)


@pytest.mark.long
def test_capacity_holds_and_each_email_counts_once_across_processes(
        app, backend, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    owner = make_organiser()
    event = make_event(owner, status="published")
    race = make_activity(event, name="Stair race", capacity=CAPACITY)
    invitations = [make_invitation(event, make_contact(owner)) for _ in range(GUESTS)]
    with app.app_context():
        uid = part_uid(db.session.get(type(race), race.id))
        emails = []
        for invitation in invitations:
            invitation = db.session.get(Invitation, invitation.id)
            address = reply_address(invitation)
            emails.append((address, calendar_reply(
                to=address, attendee=invitation.contact.email, uid=uid,
                message_id=f"<answer-{invitation.id}@mail.example.org>")))
    # Every process gets every email: each one arrives four times at the same moment.
    context = process_context()
    barrier, outcomes = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=_take_in, args=(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SECRET_KEY"],
        emails[n:] + emails[:n], barrier, outcomes))
        for n in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        errors = [error for _ in processes for error in outcomes.get(timeout=WAIT)]
    finally:
        stop_processes(processes, WAIT)
    assert errors == []
    with app.app_context():
        statuses = list(db.session.scalars(select(Response.status).where(
            Response.activity_id == race.id)))
        assert statuses.count(AnswerStatus.YES) == CAPACITY
        assert statuses.count(AnswerStatus.WAITLISTED) == GUESTS - CAPACITY
        noted = db.session.execute(select(IncomingMail.message_id, IncomingMail.recipient,
                                          IncomingMail.reason)).all()
        assert len(noted) == GUESTS, sorted(noted)
        assert set(db.session.scalars(select(IncomingMail.outcome))) == {
            IncomingOutcome.APPLIED}
        changes_per_guest = db.session.execute(
            select(ResponseChange.invitation_id, func.count())
            .group_by(ResponseChange.invitation_id)).all()
        assert sorted(count for _, count in changes_per_guest) == [1] * GUESTS
    print(f"\n{backend.name}: {PROCESSES} processes took in {GUESTS} emails each, "
          f"{CAPACITY} places, {GUESTS - CAPACITY} waitlisted, each email noted once")

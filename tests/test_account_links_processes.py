"""Single-use account links and two-factor codes across processes: several processes (each
with its own engine and connections) use the same password reset link, and the same
authenticator code, at the same moment, round after round, on PostgreSQL. Each must let in
exactly one: both are taken by one conditional UPDATE in the database, not a check in
Python that two processes can both pass."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import update

from eventplanner.auth.models import Organiser
from eventplanner.auth.services import AccountLinkNotValid, new_password_reset_link, reset_password
from eventplanner.auth.two_factor import second_factor_is_right
from eventplanner.extensions import db, utcnow
from tests.conftest import app_for, process_context, stop_processes

PROCESSES, ROUNDS = 4, 10
WAIT = 120  # seconds a process waits for the others


def _use_link_and_code(url: str, organiser_id: int, barrier, work, outcomes) -> None:
    app = app_for(url)
    links_used, codes_taken, errors = [], [], []
    with app.app_context():
        for _round in range(ROUNDS):
            barrier.wait(WAIT)  # the test has made the round's link and code
            token, code = work.get(timeout=WAIT)
            barrier.wait(WAIT)  # every process goes at once
            try:
                reset_password(token, "fjord lantern sju øyne", utcnow())
                db.session.commit()
                links_used.append(1)
            except AccountLinkNotValid:
                db.session.rollback()
                links_used.append(0)
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
            db.session.expunge_all()
            try:
                taken = second_factor_is_right(db.session.get(Organiser, organiser_id), code,
                                               utcnow())
                db.session.commit()
                codes_taken.append(int(taken))
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
            db.session.expunge_all()
            barrier.wait(WAIT)  # the round is over
        db.engine.dispose()
    outcomes.put({"links": links_used, "codes": codes_taken, "errors": errors})


def test_a_reset_link_and_an_authenticator_code_let_in_one_process_each(
        app, backend, make_organiser):
    if backend.name != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")
    organiser = make_organiser()
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.execute(update(Organiser).where(Organiser.id == organiser.id).values(
            totp_secret=secret, totp_enabled_at=utcnow()))
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    context = process_context()
    barrier = context.Barrier(PROCESSES + 1)
    work, outcomes = context.Queue(), context.Queue()
    processes = [context.Process(target=_use_link_and_code,
                                 args=(url, organiser.id, barrier, work, outcomes))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        with app.app_context():
            for _round in range(ROUNDS):
                token = new_password_reset_link(db.session.get(Organiser, organiser.id),
                                                utcnow())
                db.session.execute(update(Organiser).where(Organiser.id == organiser.id)
                                   .values(totp_last_step=None))
                db.session.commit()
                code = pyotp.TOTP(secret).now()
                for _ in processes:
                    work.put((token, code))
                barrier.wait(WAIT)
                barrier.wait(WAIT)
                barrier.wait(WAIT)
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    assert [error for result in results for error in result["errors"]] == []
    links = [sum(uses) for uses in zip(*(r["links"] for r in results), strict=True)]
    codes = [sum(uses) for uses in zip(*(r["codes"] for r in results), strict=True)]
    assert links == [1] * ROUNDS, "each round's reset link let in one process"
    assert codes == [1] * ROUNDS, "each round's code let in one process"

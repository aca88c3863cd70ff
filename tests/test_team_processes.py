"""The last owner across processes: two owners each demote the other (or remove the other)
at the same moment, from their own processes (each with its own engine and connections), on
PostgreSQL, round after round. Each round must leave exactly one owner: the members' changes
take the workspace's lock and decide on the roles read after it, not on what each process
read before the other committed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from eventplanner.auth.models import Membership, Organiser, Role
from eventplanner.errors import DomainError
from eventplanner.extensions import db, utcnow
from eventplanner.team.services import accept_invitation, change_role, invite_member, remove_member
from tests.conftest import app_for, process_context, stop_processes

ROUNDS = 10
WAIT = 120  # seconds a process waits for the other


def _demote_the_other(url: str, workspace_id: int, me: int, other: int, barrier,
                      outcomes) -> None:
    app = app_for(url)
    done, refused, errors = [], [], []
    with app.app_context():
        for round_number in range(ROUNDS):
            barrier.wait(WAIT)  # the test has made both owners again
            barrier.wait(WAIT)  # both go at once
            actor = db.session.get(Organiser, me)
            actor.work_in(db.session.scalar(select(Membership).where(
                Membership.workspace_id == workspace_id, Membership.organiser_id == me)))
            try:
                if round_number % 2:
                    remove_member(workspace_id, actor, other)
                else:
                    change_role(workspace_id, actor, other, Role.ADMIN)
                db.session.commit()
                done.append(1)
            except DomainError as error:
                db.session.rollback()
                refused.append(type(error).__name__)
                done.append(0)
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
                done.append(0)
            db.session.expunge_all()
            barrier.wait(WAIT)  # the round is over
        db.engine.dispose()
    outcomes.put({"done": done, "refused": refused, "errors": errors})


def test_two_owners_demoting_or_removing_each_other_at_once_leave_exactly_one_owner(
        app, backend, make_organiser):
    if backend.name != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")
    olivia = make_organiser("Olivia Owner", "olivia@example.com")
    otto = make_organiser("Otto Owner", "otto@example.com")
    with app.app_context():
        owner = db.session.get(Organiser, olivia.id)
        workspace = owner.membership.workspace
        sent = invite_member(workspace, owner, otto.email, Role.ADMIN, utcnow(),
                             lambda token: token)
        accept_invitation(sent.token, db.session.get(Organiser, otto.id), utcnow())
        workspace_id = workspace.id
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    context = process_context()
    barrier = context.Barrier(3)
    outcomes = context.Queue()
    processes = [context.Process(target=_demote_the_other,
                                 args=(url, workspace_id, me, other, barrier, outcomes))
                 for me, other in ((olivia.id, otto.id), (otto.id, olivia.id))]
    for process in processes:
        process.start()
    owners_after = []
    try:
        with app.app_context():
            for _round in range(ROUNDS):
                for person in (olivia.id, otto.id):  # both owners, both members again
                    membership = db.session.scalar(select(Membership).where(
                        Membership.workspace_id == workspace_id,
                        Membership.organiser_id == person))
                    if membership is None:
                        db.session.add(Membership(workspace_id=workspace_id,
                                                  organiser_id=person, role=Role.OWNER))
                db.session.execute(update(Membership).where(
                    Membership.workspace_id == workspace_id).values(role=Role.OWNER))
                db.session.commit()
                barrier.wait(WAIT)
                barrier.wait(WAIT)
                barrier.wait(WAIT)
                db.session.expire_all()
                owners_after.append(len(db.session.scalars(select(Membership).where(
                    Membership.workspace_id == workspace_id,
                    Membership.role == Role.OWNER)).all()))
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    assert [error for result in results for error in result["errors"]] == []
    assert owners_after == [1] * ROUNDS, "each round left exactly one owner"
    changes = [sum(done) for done in zip(*(r["done"] for r in results), strict=True)]
    assert changes == [1] * ROUNDS, "one of the two changes went through each round"


PROCESSES = 4


def _accept(url: str, tokens: list[str], me: int, barrier, outcomes) -> None:
    app = app_for(url)
    accepted, errors = [], []
    with app.app_context():
        for token in tokens:
            barrier.wait(WAIT)  # all go at once
            try:
                accept_invitation(token, db.session.get(Organiser, me), utcnow())
                db.session.commit()
                accepted.append(1)
            except DomainError:
                db.session.rollback()
                accepted.append(0)
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
                accepted.append(0)
            db.session.expunge_all()
        db.engine.dispose()
    outcomes.put({"accepted": accepted, "errors": errors})


def test_a_join_link_opened_by_four_processes_at_once_is_used_once(
        app, backend, make_organiser):
    """The link is single-use across processes: of four acceptances at the same moment
    one wins, one membership and one "joined" line in the trail come of it, round after
    round (the link is taken by one conditional UPDATE)."""
    from eventplanner.audit.models import AuditEntry

    if backend.name != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")
    olivia = make_organiser("Olivia Owner", "olivia@example.com")
    newcomer = make_organiser("Nina Newcomer", "nina@example.com")
    with app.app_context():
        owner = db.session.get(Organiser, olivia.id)
        workspace = owner.membership.workspace
        workspace_id = workspace.id
        tokens = []
        for _round in range(ROUNDS):  # one invitation a round, each withdrawn by the next
            tokens.append(invite_member(workspace, owner, newcomer.email, Role.VIEWER,
                                        utcnow(), lambda token: token).token)
            db.session.commit()
        tokens = tokens[-1:] * ROUNDS  # the one link that still works, tried round after round
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = process_context()
    barrier = context.Barrier(PROCESSES)
    outcomes = context.Queue()
    processes = [context.Process(target=_accept,
                                 args=(url, tokens, newcomer.id, barrier, outcomes))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        results = [outcomes.get(timeout=WAIT * ROUNDS) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    assert [error for result in results for error in result["errors"]] == []
    assert sum(sum(result["accepted"]) for result in results) == 1, "the link works once"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.workspace_id == workspace_id,
            Membership.organiser_id == newcomer.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "member.joined")) == 1

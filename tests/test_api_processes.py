"""The API's and the webhooks' rules across OS processes on PostgreSQL, each process with
its own engine and connections: several webhook workers at once post each delivery exactly
once (the claim is a conditional UPDATE in the database), and several API clients sending
one POST with one ``Idempotency-Key`` at once make one event (events have no natural key
that would refuse the repeats anyway) (the key's row is unique in
the database, in the same transaction as the change)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventplanner.events.models import Event
from eventplanner.extensions import db
from eventplanner.webhooks import services
from eventplanner.webhooks.delivery import deliver_due
from eventplanner.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.conftest import app_for, bearer, process_context, stop_processes
from tests.test_webhook_delivery import subscribe

PROCESSES, DELIVERIES, ROUNDS = 4, 40, 5
WAIT = 120  # seconds a process waits for the others


def _deliver(url: str, barrier, outcomes) -> None:
    app = app_for(url)
    delivered, errors = [], []
    with app.app_context():
        for _round in range(ROUNDS):
            barrier.wait(WAIT)  # the test has queued the round's deliveries
            try:
                delivered.append(deliver_due(limit=DELIVERIES).delivered)
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(repr(error))
            barrier.wait(WAIT)  # the round is over
        db.engine.dispose()
    outcomes.put({"delivered": delivered, "errors": errors})


def _post_with_one_key(url: str, secret: str, key: str, barrier, outcomes) -> None:
    app = app_for(url)
    client = app.test_client()
    statuses = []
    for _round in range(ROUNDS):
        barrier.wait(WAIT)
        response = client.post("/api/v1/events", json={
            "title": f"Stair race {_round}", "timezone": "Europe/Oslo"},
            headers={**bearer(secret), "Idempotency-Key": f"{key}-{_round}"})
        statuses.append(response.status_code)
        barrier.wait(WAIT)
    with app.app_context():
        db.engine.dispose()
    outcomes.put(statuses)


def _run(target, args, processes: int):
    context = process_context()
    barrier = context.Barrier(processes + 1)
    outcomes = context.Queue()
    started = [context.Process(target=target, args=(*args, barrier, outcomes))
               for _ in range(processes)]
    for process in started:
        process.start()
    return barrier, outcomes, started


@pytest.fixture
def postgresql(backend):
    if backend.name != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")


def test_webhook_workers_in_several_processes_post_each_delivery_once(
        app, postgresql, make_organiser, receiver):
    owner = make_organiser()
    subscribe(app, owner, receiver.url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    barrier, outcomes, processes = _run(_deliver, (url,), PROCESSES)
    try:
        for round_number in range(ROUNDS):
            with app.app_context():
                payloads = [{"round": round_number, "number": n} for n in range(DELIVERIES)]
                services.queue_event(owner.workspace_id, "invitation.answered",
                                     lambda payloads=payloads: payloads)
                db.session.commit()
            barrier.wait(WAIT)
            barrier.wait(WAIT)
        results = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    assert [error for result in results for error in result["errors"]] == []
    per_round = [sum(counts) for counts in zip(*(r["delivered"] for r in results),
                                               strict=True)]
    assert per_round == [DELIVERIES] * ROUNDS
    ids = receiver.ids()
    assert len(ids) == DELIVERIES * ROUNDS == len(set(ids)), "each posted once"
    with app.app_context():
        assert set(db.session.scalars(select(WebhookDelivery.status))) == {
            DeliveryStatus.DELIVERED}


def test_one_idempotency_key_sent_by_several_processes_at_once_makes_one_event(
        app, postgresql, make_organiser, make_api_token):
    secret = make_api_token(make_organiser())
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    barrier, outcomes, processes = _run(_post_with_one_key, (url, secret, "sync"), PROCESSES)
    try:
        for _round in range(ROUNDS):
            barrier.wait(WAIT)
            barrier.wait(WAIT)
        statuses = [outcomes.get(timeout=WAIT) for _ in processes]
    finally:
        stop_processes(processes, WAIT)
    for round_statuses in zip(*statuses, strict=True):
        assert set(round_statuses) <= {201, 409}, round_statuses  # made, or "in flight"
        assert 201 in round_statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id))) == ROUNDS  # not one each

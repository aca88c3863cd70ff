"""The mail worker when things break: the mail server goes away in the middle of a burst, the
database drops every connection while the worker runs, and two workers run at once. Every
message arrives, and none twice. The workers are real processes (``flask mail deliver``)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text

from eventplanner.extensions import db, utcnow
from eventplanner.mail.delivery import SmtpSettings, deliver_queued
from eventplanner.mail.models import Message, MessageStatus
from tests.conftest import ROOT, Inbox, free_port

MESSAGE_ID = re.compile(r"\.m(\d+)@")


def queue_invitations(app, make_organiser, make_event, make_activity, make_contact,
                      count: int) -> list[int]:
    from eventplanner.contacts.models import Contact
    from eventplanner.events.models import Event
    from eventplanner.invitations.inviting import invite_contacts

    owner = make_organiser()
    event = make_event(owner=owner, status="published", title="Christmas meeting")
    make_activity(event)
    with app.app_context():
        for number in range(count):
            db.session.add(Contact(workspace_id=owner.workspace_id, name=f"Guest {number}",
                                   email=f"guest{number}@client.example"))
        db.session.commit()
        ids = list(db.session.scalars(select(Contact.id)))
        invite_contacts(db.session.get(Event, event.id), db.session.merge(owner), ids, 0,
                        send=True, now=utcnow())
        db.session.commit()
        return list(db.session.scalars(select(Message.id).order_by(Message.id)))


def delivered_ids(inbox: Inbox) -> Counter:
    return Counter(int(MESSAGE_ID.search(m["Message-ID"]).group(1)) for m in inbox.messages)


class GoingAway(Inbox):
    """Accepts a few messages, then answers 421 (closing) like a server shutting down."""

    def __init__(self, accept: int) -> None:
        super().__init__()
        self.accept = accept

    async def handle_DATA(self, server, session, envelope) -> str:
        if len(self.messages) >= self.accept:
            return "421 Service shutting down"
        return await super().handle_DATA(server, session, envelope)


def test_smtp_going_away_in_a_burst_loses_nothing_and_sends_nothing_twice(
        app, make_organiser, make_event, make_activity, make_contact, smtp_port):
    queued = queue_invitations(app, make_organiser, make_event, make_activity, make_contact,
                               30)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_TIMEOUT=2)
    failing = GoingAway(accept=8)
    controller = Controller(failing, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with app.app_context():
            first = deliver_queued(limit=100)
    finally:
        controller.stop()
    assert (first.sent, first.will_retry) == (8, 22)
    with app.app_context():  # the server is gone altogether now
        down = deliver_queued(now=utcnow() + timedelta(minutes=1), limit=100)
    assert down.sent == 0 and down.will_retry == 22

    back = Inbox()
    controller = Controller(back, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with app.app_context():
            last = deliver_queued(now=utcnow() + timedelta(hours=2), limit=100)
    finally:
        controller.stop()
    assert last.sent == 22
    everything = delivered_ids(failing) + delivered_ids(back)
    assert sorted(everything) == queued and set(everything.values()) == {1}
    with app.app_context():
        assert set(db.session.scalars(select(Message.status))) == {MessageStatus.SENT}


def start_worker(url: str, smtp_port: int, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "w" * 40,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
           "EVENTPLANNER_CONFIG": "development", "LOG_JSON": "1", **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "eventplanner", "mail", "deliver", "--loop",
         "--interval", "0.2", "--batch", "20"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        _out, err = worker.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        _out, err = worker.communicate()
    return err


@pytest.fixture
def postgresql_url(backend):
    if backend.name != "postgresql":
        pytest.skip("a database server to restart and to share between processes")
    return backend.url


def test_the_worker_recovers_when_the_database_drops_its_connections(
        app, postgresql_url, make_organiser, make_event, make_activity, make_contact,
        smtp_server, smtp_port):
    queued = queue_invitations(app, make_organiser, make_event, make_activity, make_contact, 5)
    worker = start_worker(postgresql_url, smtp_port)
    try:
        wait_for(lambda: len(smtp_server.messages) == 5)
        admin = create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # what a restart looks like from the worker
            dropped = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        admin.dispose()
        assert dropped >= 1
        more = queue_invitations(app, make_organiser, make_event, make_activity, make_contact,
                                 5)
        wait_for(lambda: len(smtp_server.messages) == 10)
        assert worker.poll() is None, "the worker is still running"
    finally:
        stop(worker)
    assert sorted(delivered_ids(smtp_server)) == sorted(set(queued + more))


def test_two_workers_at_once_send_every_message_exactly_once(
        app, postgresql_url, make_organiser, make_event, make_activity, make_contact,
        smtp_server, smtp_port):
    queued = queue_invitations(app, make_organiser, make_event, make_activity, make_contact,
                               120)
    workers = [start_worker(postgresql_url, smtp_port) for _ in range(2)]
    try:
        wait_for(lambda: len(smtp_server.messages) >= 120, seconds=60)
        time.sleep(1)  # would a second copy of anything still arrive?
    finally:
        logs = [stop(worker) for worker in workers]
    counts = delivered_ids(smtp_server)
    assert sorted(counts) == queued
    assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1]
    assert all('"mail sent"' in log for log in logs), "both workers took a share"


class SlowInbox(Inbox):
    """A mail server that takes ``seconds`` to accept each message (both connections at once)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


LEASE = 2.0


@pytest.mark.settings(MAIL_CLAIM_LEASE=LEASE)
@pytest.mark.long
def test_a_message_whose_claim_was_taken_over_is_not_sent_by_the_slow_worker(
        app, make_organiser, make_event, make_activity, make_contact, smtp_port):
    """Worker A claims five messages; its mail server is slow, so the claims on the last
    three run out while A is still at the second, and worker B takes them over and sends
    them. A renews each claim just before sending, finds those three taken, and leaves them."""
    queued = queue_invitations(app, make_organiser, make_event, make_activity, make_contact, 5)
    claimed_by = []  # A claims its batch before the first message arrives
    second_inbox = Inbox()
    second_server = Controller(second_inbox, hostname="127.0.0.1", port=free_port())
    second_reports = []

    class SlowThenOvertaken(Inbox):
        async def handle_DATA(self, server, session, envelope) -> str:
            if not self.messages:  # the first message takes more than half the lease
                claimed_by.append(time.monotonic())
                await asyncio.sleep(0.6 * LEASE)
            elif len(self.messages) == 1:  # during the second, the claims on the three
                # after it (not renewed since the claim) run out, and worker B runs
                await asyncio.sleep(claimed_by[0] + LEASE + 0.5 - time.monotonic())
                with app.app_context():
                    second_reports.append(deliver_queued(settings=SmtpSettings(
                        "127.0.0.1", second_server.port, timeout=5)))
            return await super().handle_DATA(server, session, envelope)

    first_inbox = SlowThenOvertaken()
    first_server = Controller(first_inbox, hostname="127.0.0.1", port=smtp_port)
    first_server.start()
    second_server.start()
    try:
        with app.app_context():
            first = deliver_queued(settings=SmtpSettings("127.0.0.1", smtp_port, timeout=10))
    finally:
        first_server.stop()
        second_server.stop()
    [second] = second_reports
    assert (first.sent, first.taken_over) == (2, 3)
    assert second.sent == 3
    everything = delivered_ids(first_inbox) + delivered_ids(second_inbox)
    assert sorted(everything) == queued and set(everything.values()) == {1}, everything
    with app.app_context():
        assert set(db.session.execute(select(Message.status, Message.claim_token))) == {
            (MessageStatus.SENT, None)}


def test_two_worker_processes_with_a_lease_shorter_than_a_batch_send_each_message_once(
        app, postgresql_url, make_organiser, make_event, make_activity, make_contact,
        smtp_port):
    """Real processes, real SMTP: a batch of 20 takes 6 s at 0.3 s a message, the lease is
    3 s, so the second worker keeps taking over the first one's claims (and the other
    way round). Every message arrives once."""
    queued = queue_invitations(app, make_organiser, make_event, make_activity, make_contact,
                               40)
    inbox = SlowInbox(0.3)
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workers = []
    try:
        workers.append(start_worker(postgresql_url, smtp_port, MAIL_CLAIM_LEASE="3"))
        wait_for(lambda: len(inbox.messages) >= 1)
        workers.append(start_worker(postgresql_url, smtp_port, MAIL_CLAIM_LEASE="3"))
        wait_for(lambda: len(inbox.messages) >= 40, seconds=90)
        time.sleep(2)  # would a second copy of anything still arrive?
    finally:
        logs = [stop(worker) for worker in workers]
        controller.stop()
    counts = delivered_ids(inbox)
    assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1]
    assert sorted(counts) == queued
    assert all('"mail sent"' in log for log in logs), "both workers sent some"
    assert any("another worker took over its claim" in log for log in logs), \
        "claims were taken over while their first worker was busy"
    with app.app_context():
        assert set(db.session.scalars(select(Message.status))) == {MessageStatus.SENT}

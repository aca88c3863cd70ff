"""The outbox worker against a real SMTP server on loopback, and without one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.mail.delivery import claim_messages, deliver_queued, retry_delay
from eventplanner.mail.models import Message, MessageStatus
from tests.conftest import Inbox


@pytest.fixture
def queued(app, make_organiser, make_event, make_contact, make_invitation):
    """Three invitations queued in the outbox."""
    owner = make_organiser()
    event = make_event(owner=owner, status="published", title="Christmas meeting")
    for _ in range(3):
        make_invitation(event, make_contact(owner), send=True)
    return event


def statuses(app) -> list[MessageStatus]:
    with app.app_context():
        return list(db.session.scalars(select(Message.status).order_by(Message.id)))


def test_the_worker_sends_queued_mail_and_marks_it_sent(app, queued, smtp_server, deliver_mail):
    output = deliver_mail()
    assert "sent 3" in output
    assert len(smtp_server.messages) == 3
    assert statuses(app) == [MessageStatus.SENT] * 3
    assert deliver_mail() == "", "nothing is sent twice"
    assert len(smtp_server.messages) == 3


def test_with_smtp_down_nothing_is_lost_and_it_goes_when_smtp_is_back(
        app, queued, smtp_port):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_TIMEOUT=2)
    with app.app_context():
        report = deliver_queued()
        assert (report.sent, report.will_retry) == (0, 3)
        message = db.session.scalar(select(Message))
        assert message.status is MessageStatus.QUEUED
        assert message.attempts == 1
        assert "Connection refused" in message.last_error or "Errno" in message.last_error
        assert message.next_attempt_at > utcnow()
        assert deliver_queued().handled == 0, "waits for the backoff"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with app.app_context():
            report = deliver_queued(now=utcnow() + timedelta(minutes=1))
    finally:
        controller.stop()
    assert report.sent == 3
    assert len(inbox.messages) == 3
    assert statuses(app) == [MessageStatus.SENT] * 3


def test_backoff_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == timedelta(hours=1)


class RefusingInbox(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 No such user here"


def test_a_refused_recipient_fails_at_once_and_the_organiser_can_retry(
        app, queued, smtp_port, log_in):
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
    try:
        with app.app_context():
            report = deliver_queued()
    finally:
        controller.stop()
    assert report.failed == 3
    assert statuses(app) == [MessageStatus.FAILED] * 3

    organiser = log_in(queued.owner)
    page = organiser.get("/outbox/?status=failed").get_data(as_text=True)
    assert "550" in page and "No such user here" in page
    with app.app_context():
        message_id = db.session.scalar(select(Message.id).order_by(Message.id))
    assert organiser.submit(f"/outbox/{message_id}/retry").status_code == 302
    assert statuses(app)[0] is MessageStatus.QUEUED


def test_a_message_gives_up_after_the_last_attempt(app, queued, smtp_port):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        deliver_queued()
        report = deliver_queued(now=utcnow() + timedelta(hours=2))
        assert report.failed == 3
        assert db.session.scalar(select(Message.attempts)) == 2


def test_two_workers_never_claim_the_same_message(app, queued):
    start = threading.Barrier(2)

    def worker(_) -> list[int]:
        with app.app_context():
            start.wait()
            return [m.id for m in claim_messages(utcnow(), limit=3)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(worker, range(2))
    assert sorted(first + second) == sorted(set(first + second))
    assert len(first + second) == 3


def test_a_claim_left_by_a_dead_worker_is_taken_over_later(app, queued):
    with app.app_context():
        claimed = claim_messages(utcnow(), limit=10)
        assert len(claimed) == 3
        assert claim_messages(utcnow(), limit=10) == []
        assert len(claim_messages(utcnow() + timedelta(minutes=11), limit=10)) == 3


def test_an_email_exists_exactly_when_its_cause_does(app_ctx, queued, make_contact):
    contact = make_contact(queued.owner)
    before = db.session.scalar(select(func.count()).select_from(Message))
    invite_contacts(db.session.merge(queued), queued.owner, [contact.id], 0, send=True,
                    now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(Message)) == before + 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == before


def test_a_sent_email_cannot_be_retried_so_it_is_never_sent_twice(
        app, queued, smtp_server, deliver_mail, log_in):
    deliver_mail()
    assert len(smtp_server.messages) == 3
    with app.app_context():
        message_id = db.session.scalar(select(Message.id).order_by(Message.id))
    organiser = log_in(queued.owner)
    response = organiser.submit(f"/outbox/{message_id}/retry", follow_redirects=True)
    assert "Only an email that failed can be sent again" in response.get_data(as_text=True)
    assert statuses(app) == [MessageStatus.SENT] * 3
    deliver_mail()
    assert len(smtp_server.messages) == 3, "the sent email was not sent again"


def test_a_double_click_on_retry_queues_a_failed_email_once(
        app, queued, smtp_port, log_in, deliver_mail):
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
    try:
        deliver_mail()
    finally:
        controller.stop()
    with app.app_context():
        message_id = db.session.scalar(select(Message.id).order_by(Message.id))
    organiser = log_in(queued.owner)
    assert "Retry" in organiser.get(f"/outbox/{message_id}").get_data(as_text=True)
    first = organiser.submit(f"/outbox/{message_id}/retry", follow_redirects=True)
    assert "The email is back in the queue." in first.get_data(as_text=True)
    assert "Retry" not in organiser.get(f"/outbox/{message_id}").get_data(as_text=True)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        deliver_mail()
        second = organiser.submit(f"/outbox/{message_id}/retry", follow_redirects=True)
        deliver_mail()
    finally:
        controller.stop()
    assert "Only an email that failed can be sent again" in second.get_data(as_text=True)
    assert len(inbox.messages) == 1
    assert statuses(app) == [MessageStatus.SENT] + [MessageStatus.FAILED] * 2


def test_only_a_failed_message_can_be_retried(app_ctx, queued):
    from eventplanner.mail.delivery import NotRetryable, queue_again

    message = db.session.scalar(select(Message).order_by(Message.id))
    for status in (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT):
        message.status = status
        db.session.commit()
        assert not message.can_be_retried
        with pytest.raises(NotRetryable):
            queue_again(message, utcnow())
        db.session.rollback()
        assert message.status is status
    message.status, message.attempts = MessageStatus.FAILED, 8
    db.session.commit()
    assert message.can_be_retried
    queue_again(message, utcnow())
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)

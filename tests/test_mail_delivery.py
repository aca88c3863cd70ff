"""The outbox worker against a real SMTP server on loopback, and without one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from jinja2 import ChoiceLoader, FileSystemLoader, UndefinedError
from sqlalchemy import func, select

from eventplanner.contacts.models import Contact
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import reissue_link, revoke_link
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.waitlist import delete_contact_and_free_places
from eventplanner.mail.delivery import claim_messages, deliver_queued, retry_delay
from eventplanner.mail.models import Message, MessageStatus
from eventplanner.mail.rendering import render_email
from eventplanner.privacy.services import erase_contact
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


# --- a guest's batch email is written by the worker, from the invitation as it is then ----

def with_email_templates(app, tmp_path, **templates: str) -> None:
    """Put templates of our own before the app's (``emails/<name>``), as a deployment
    that customises its emails would."""
    folder = tmp_path / "emails"
    folder.mkdir()
    for name, source in templates.items():
        (folder / name.replace("__", ".")).write_text(source, encoding="utf-8")
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(tmp_path), app.jinja_env.loader])


def plain_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_batch_invitation_can_show_the_guests_company(
        app, tmp_path, make_organiser, make_event, make_activity, make_contact, smtp_server,
        deliver_mail):
    with_email_templates(app, tmp_path, invitation__txt=(
        "{{ guest.name }} of {{ guest.company.name if guest.company else 'no company' }}: "
        "{{ link }}\n"))
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event)
    contacts = [make_contact(owner, name="Kari", company_name="Nordlys Shipping AS"),
                make_contact(owner, name="Ola")]
    with app.app_context():
        invite_contacts(db.session.merge(event), db.session.merge(owner),
                        [c.id for c in contacts], 0, send=True, now=utcnow())
        db.session.commit()
    deliver_mail()
    [kari] = smtp_server.to(contacts[0].email)
    [ola] = smtp_server.to(contacts[1].email)
    assert plain_text(kari).startswith("Kari of Nordlys Shipping AS: http://eventplanner.test/r/")
    assert plain_text(ola).startswith("Ola of no company: ")


def test_a_name_an_email_template_does_not_get_fails_loudly(app, tmp_path):
    with_email_templates(app, tmp_path, probe__txt="Dear {{ guest.nickname }}",
                         probe__html="<p>{{ no_such_name }}</p>")
    with app.app_context():
        with pytest.raises(UndefinedError):
            render_email("probe", "en", guest=SimpleNamespace(name="Kari"))


def test_a_batch_email_whose_template_fails_is_failed_not_sent_blank(
        app, tmp_path, queued, smtp_server, deliver_mail):
    with_email_templates(app, tmp_path, invitation__txt="Dear {{ guest.nickname }}\n")
    deliver_mail()
    assert smtp_server.messages == []
    assert statuses(app) == [MessageStatus.FAILED] * 3
    with app.app_context():
        errors = set(db.session.scalars(select(Message.last_error)))
    assert len(errors) == 1 and "nickname" in errors.pop()


def test_a_link_made_new_before_delivery_is_the_one_sent(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation,
        smtp_server, deliver_mail):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event)
    invitation = make_invitation(event, make_contact(owner), send=True)
    with app.app_context():
        new_link = reissue_link(db.session.get(Invitation, invitation.id))
        db.session.commit()
    deliver_mail()
    [sent] = smtp_server.messages
    text = plain_text(sent)
    assert new_link in text and invitation.token not in text
    calendar = next(part for part in sent.walk() if part.get_content_type() == "text/calendar")
    assert new_link in calendar.get_content().replace("\r\n ", "")
    with app.app_context():
        stored = db.session.scalar(select(Message))
        assert stored.is_written and new_link in stored.body_text  # the outbox shows it


def test_an_erased_guests_queued_invitation_is_not_sent(
        app, make_organiser, make_event, make_contact, make_invitation, smtp_server,
        deliver_mail):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    erased, kept = make_contact(owner), make_contact(owner)
    make_invitation(event, erased, send=True)
    make_invitation(event, kept, send=True)
    with app.app_context():
        erase_contact(db.session.get(Contact, erased.id), utcnow(), None)
        db.session.commit()
    deliver_mail()
    assert [m["To"] for m in smtp_server.messages] == [f"{kept.name} <{kept.email}>"]
    assert smtp_server.to(erased.email) == []


def test_a_link_revoked_before_delivery_leaves_the_invitation_not_sent(
        app, make_organiser, make_event, make_contact, make_invitation, smtp_server,
        deliver_mail, log_in):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    invitation = make_invitation(event, make_contact(owner), send=True)
    organiser = log_in(owner)
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    page = organiser.get(f"/outbox/{message_id}").get_data(as_text=True)
    assert "Not written yet" in page
    with app.app_context():
        revoke_link(db.session.get(Invitation, invitation.id), utcnow())
        db.session.commit()
    deliver_mail()
    assert smtp_server.messages == []
    assert statuses(app) == [MessageStatus.NOT_SENT]
    page = organiser.get("/outbox/?status=not_sent").get_data(as_text=True)
    assert "Not sent: the guest&#39;s link was revoked" in page
    assert "Retry" not in page


def test_a_deleted_guests_queued_invitation_is_not_sent(
        app, make_organiser, make_event, make_contact, make_invitation, smtp_server,
        deliver_mail):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    contact = make_contact(owner)
    make_invitation(event, contact, send=True)
    with app.app_context():
        delete_contact_and_free_places(db.session.get(Contact, contact.id), utcnow())
        db.session.commit()
    deliver_mail()
    assert smtp_server.messages == []
    assert statuses(app) in ([], [MessageStatus.NOT_SENT])

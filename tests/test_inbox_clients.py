"""Answers in the shapes Outlook, Outlook.com, Google Calendar, Apple Calendar, iCloud and
Thunderbird send them (``tests.mail_samples``), and the delivery reports, automatic replies
and bad mail an open address gets: each sent over SMTP to the real listener."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventplanner.calendar.services import part_uid
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.inbox.listener import start_listener
from eventplanner.inbox.models import IncomingKind, IncomingMail, IncomingOutcome
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.invitations.reply_address import reply_address
from tests import mail_samples as samples
from tests.conftest import free_port

EXPECTED = {"ACCEPTED": AnswerStatus.YES, "DECLINED": AnswerStatus.NO,
            "TENTATIVE": AnswerStatus.MAYBE}


@pytest.fixture
def guest(app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    """Kari (the samples' guest) invited to a published race; the listener on loopback."""
    owner = make_organiser()
    event = make_event(owner, status="published")
    race = make_activity(event, name="Stair race")
    invitation = make_invitation(event, make_contact(owner, name="Kari Nordmann",
                                                     email=samples.GUEST))
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port)
    with app.app_context():
        scene = {"invitation_id": invitation.id, "port": port, "race_id": race.id,
                 "to": reply_address(db.session.get(Invitation, invitation.id)),
                 "uid": part_uid(db.session.get(Activity, race.id))}
    yield scene
    controller.stop()


def send(app, guest, raw: bytes) -> IncomingMail:
    with smtplib.SMTP("127.0.0.1", guest["port"], timeout=10) as client:
        assert client.sendmail("sender@example.org", [guest["to"]], raw) == {}
    with app.app_context():
        mail = db.session.scalars(select(IncomingMail).order_by(IncomingMail.id.desc())).first()
        db.session.expunge(mail)
        return mail


def answer_of(app, guest) -> AnswerStatus | None:
    with app.app_context():
        invitation = db.session.get(Invitation, guest["invitation_id"])
        return invitation.answer_for(db.session.get(Activity, guest["race_id"]))


@pytest.mark.parametrize("client", samples.CLIENTS)
def test_every_calendar_programs_yes_no_and_maybe_is_applied(app, guest, client):
    start = datetime.now(UTC) - timedelta(minutes=10)
    for minute, partstat in enumerate(("TENTATIVE", "DECLINED", "ACCEPTED")):
        mail = send(app, guest, samples.reply(
            client, to=guest["to"], uid=guest["uid"], partstat=partstat,
            dtstamp=start + timedelta(minutes=minute), comment="See you at the top"))
        assert (mail.kind, mail.outcome) == (IncomingKind.ANSWER, IncomingOutcome.APPLIED), \
            (client, partstat, mail.reason)
        assert answer_of(app, guest) is EXPECTED[partstat]
    if client in ("outlook", "gmail", "thunderbird"):
        assert "See you at the top" in mail.detail


def test_a_latin_1_answer_is_read(app, guest):
    mail = send(app, guest, samples.non_utf8(to=guest["to"], uid=guest["uid"]))
    assert mail.outcome is IncomingOutcome.APPLIED
    assert answer_of(app, guest) is AnswerStatus.YES


@pytest.mark.parametrize("client", ["outlook", "rfc5546"])
def test_a_proposed_new_time_is_shown_with_the_time(app, guest, client):
    new_start = samples.START + timedelta(hours=1)
    mail = send(app, guest, samples.counter(
        client, to=guest["to"], uid=guest["uid"], new_start=new_start,
        new_end=new_start + timedelta(hours=1)))
    assert (mail.kind, mail.outcome) == (IncomingKind.COUNTER, IncomingOutcome.SHOWN)
    assert mail.proposed_start == new_start.astimezone(UTC)
    assert answer_of(app, guest) is None


@pytest.mark.parametrize("kind", samples.BOUNCES)
def test_delivery_reports_of_each_mail_server(app, guest, kind):
    mail = send(app, guest, samples.bounce(kind, to=guest["to"]))
    assert mail.kind is IncomingKind.BOUNCE
    hard = kind not in ("delay", "soft")
    assert (mail.reason == "hard_bounce") is hard, mail.reason
    with app.app_context():
        contact = db.session.scalars(select(Contact).where(
            Contact.email == samples.GUEST)).one()
        assert (contact.email_bounced_at is not None) is hard
    assert answer_of(app, guest) is None


@pytest.mark.parametrize("kind", samples.AUTO_REPLIES)
def test_automatic_replies_are_shown_and_an_automatic_acceptance_counts(app, guest, kind):
    mail = send(app, guest, samples.auto_reply(kind, to=guest["to"], from_address=samples.GUEST,
                                               uid=guest["uid"]))
    if kind == "auto_generated_reply_with_calendar":
        assert mail.outcome is IncomingOutcome.APPLIED
        assert answer_of(app, guest) is AnswerStatus.YES
    else:
        assert (mail.kind, mail.outcome) == (IncomingKind.AUTO_REPLY, IncomingOutcome.SHOWN)
        assert answer_of(app, guest) is None


@pytest.mark.parametrize("build, kind, reason", [
    (lambda g: samples.plain_text_reply(to=g["to"]), IncomingKind.MESSAGE, ""),
    (lambda g: samples.html_only(to=g["to"]), IncomingKind.MESSAGE, ""),
    (lambda g: samples.not_icalendar(to=g["to"]), IncomingKind.ANSWER, "malformed"),
    (lambda g: samples.broken_icalendar(to=g["to"], uid=g["uid"]), IncomingKind.ANSWER,
     "malformed"),
    (lambda g: samples.reply_with_two_uids(to=g["to"], uids=(g["uid"], "other@example.org")),
     IncomingKind.ANSWER, "several_uids"),
    (lambda g: samples.reply_without_attendee(to=g["to"], uid=g["uid"]), IncomingKind.ANSWER,
     "no_attendee"),
    (lambda g: samples.reply_with_method_request(to=g["to"], uid=g["uid"]),
     IncomingKind.ANSWER, "not_an_answer"),
    (lambda g: samples.many_attachments(60, to=g["to"], uid=g["uid"]),
     IncomingKind.UNREADABLE, "too_many_parts"),
    (lambda g: samples.huge(2_100_000, to=g["to"], uid=g["uid"]), IncomingKind.UNREADABLE,
     "too_large"),
], ids=["plain text", "html only", "not iCalendar", "broken", "two UIDs", "no attendee",
        "a REQUEST sent back", "many attachments", "huge"])
def test_bad_mail_is_kept_with_its_reason(app, guest, build, kind, reason):
    mail = send(app, guest, build(guest))
    assert (mail.kind, mail.reason) == (kind, reason)
    assert mail.outcome is not IncomingOutcome.APPLIED
    assert answer_of(app, guest) is None

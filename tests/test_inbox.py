"""Answers from guests' calendar programs, and the rest of the mail that comes back to
reply addresses: what counts is applied like an answer on the guest's page; what does not
is kept, with the reason, for the organiser to read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from eventplanner.calendar.services import event_uid, part_uid
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.extensions import db, utcnow
from eventplanner.inbox.models import IncomingKind, IncomingMail, IncomingOutcome
from eventplanner.inbox.services import receive_mail
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.links import reissue_link
from eventplanner.invitations.models import AnswerStatus, Invitation, ResponseChange
from eventplanner.invitations.reply_address import reply_address
from eventplanner.mail.models import Message
from eventplanner.privacy.services import erase_contact


def calendar_reply(*, to: str, attendee: str, uid: str, partstat: str = "ACCEPTED",
                   sequence: int = 0, stamped: datetime | None = None,
                   method: str = "REPLY", message_id: str | None = None,
                   extra_headers: dict | None = None, another_uid: str = "") -> bytes:
    """A minimal iTIP REPLY as RFC 5546 3.2.3 describes it (the shapes of real calendar
    programs are in ``test_inbox_clients``); ``another_uid`` adds a second event."""
    stamp = (stamped or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    second = ["BEGIN:VEVENT", f"UID:{another_uid}", f"DTSTAMP:{stamp}",
              "END:VEVENT"] if another_uid else []
    calendar = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN", f"METHOD:{method}",
        "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}", f"DTSTAMP:{stamp}",
        f"ORGANIZER:mailto:{to}",
        f"ATTENDEE;PARTSTAT={partstat};CN=Kari Nordmann:mailto:{attendee}",
        "END:VEVENT", *second, "END:VCALENDAR", ""])
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = to
    message["Subject"] = f"{partstat.title()}: Stair race"
    message["Message-ID"] = message_id or f"<{uuid.uuid4()}@mail.example.org>"
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content("Kari has answered.")
    message.add_alternative(calendar, subtype="calendar", params={"method": method})
    return message.as_bytes()


@pytest.fixture
def stair_race(app, make_organiser, make_event, make_activity, make_contact,
               make_invitation):
    """A published event with a race (room for 2) and a dinner, and Kari invited."""
    owner = make_organiser(name="Ingrid Haugen")
    event = make_event(owner, status="published")
    race = make_activity(event, name="Stair race", capacity=2)
    dinner = make_activity(event, name="Dinner", kind="standard")
    kari = make_contact(owner, name="Kari Nordmann", email="kari@client.example")
    invitation = make_invitation(event, kari)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation.id)
        scene = {"owner": owner, "event": event, "race": race, "dinner": dinner,
                 "invitation_id": invitation.id, "address": reply_address(invitation),
                 "race_uid": part_uid(db.session.get(Activity, race.id)),
                 "event_uid": event_uid(db.session.get(Event, event.id))}
    return scene


def receive(app, raw: bytes, to: str) -> IncomingMail:
    with app.app_context():
        mail = receive_mail(raw, [to], utcnow())
        db.session.commit()
        db.session.refresh(mail)
        db.session.expunge(mail)
        return mail


def answers(app, invitation_id: int) -> dict[str, AnswerStatus]:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        return {r.activity.name: r.status for r in invitation.responses}


def test_a_yes_in_the_calendar_program_is_the_guests_answer_to_that_part(app, stair_race):
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="Kari@Client.example",
                                       uid=stair_race["race_uid"]), stair_race["address"])
    assert (mail.kind, mail.outcome, mail.reason) == (IncomingKind.ANSWER,
                                                      IncomingOutcome.APPLIED, "")
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.YES}
    with app.app_context():
        change = db.session.scalars(select(ResponseChange)).one()
        assert (change.changed_by, change.new_value) == ("calendar", "yes")
        confirmation = db.session.scalars(select(Message).where(
            Message.kind == "confirmation")).one()
        assert confirmation.recipient == "kari@client.example"


def test_what_came_back_from_a_guest_is_in_the_data_held_about_them(app, stair_race, log_in):
    receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                uid=stair_race["race_uid"]), stair_race["address"])
    with app.app_context():
        contact_id = db.session.get(Invitation, stair_race["invitation_id"]).contact_id
    held = log_in(stair_race["owner"]).get(f"/contacts/{contact_id}/data.json").get_json()
    [received] = held["invitations"][0]["emails_received"]
    assert (received["kind"], received["answer"], received["from"]) == (
        "answer", "ACCEPTED", "kari@client.example")


def test_a_no_or_maybe_answers_no_or_maybe(app, stair_race):
    for minutes, partstat, expected in ((2, "DECLINED", AnswerStatus.NO),
                                        (1, "TENTATIVE", AnswerStatus.MAYBE)):
        receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                    uid=stair_race["race_uid"], partstat=partstat,
                                    stamped=datetime.now(UTC) - timedelta(minutes=minutes)),
                stair_race["address"])
        assert answers(app, stair_race["invitation_id"]) == {"Stair race": expected}


def test_an_answer_to_the_whole_event_answers_every_part(app, stair_race):
    receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                uid=stair_race["event_uid"]), stair_race["address"])
    assert answers(app, stair_race["invitation_id"]) == {
        "Stair race": AnswerStatus.YES, "Dinner": AnswerStatus.YES}


def test_a_yes_to_a_full_part_puts_the_guest_on_the_waitlist_and_tells_them(
        app, stair_race, make_contact, make_invitation):
    for _ in range(2):
        other = make_invitation(stair_race["event"], make_contact(stair_race["owner"]))
        with app.app_context():
            respond_to_invitation(db.session.get(Invitation, other.id), GuestAnswer(
                {stair_race["race"].id: AnswerStatus.YES}), utcnow())
            db.session.commit()
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"]), stair_race["address"])
    assert (mail.outcome, mail.reason) == (IncomingOutcome.APPLIED, "waitlisted")
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.WAITLISTED}
    with app.app_context():
        assert db.session.scalars(select(Message).where(
            Message.kind == "confirmation",
            Message.invitation_id == stair_race["invitation_id"])).one()


def test_the_same_email_twice_is_noted_once_and_a_resent_answer_is_a_duplicate(
        app, stair_race):
    stamped = datetime.now(UTC) - timedelta(minutes=5)
    raw = calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                         uid=stair_race["race_uid"], stamped=stamped)
    first, again = (receive(app, raw, stair_race["address"]) for _ in range(2))
    assert first.id == again.id
    resent = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                         uid=stair_race["race_uid"], stamped=stamped),
                     stair_race["address"])
    assert (resent.outcome, resent.reason) == (IncomingOutcome.NOT_APPLIED, "duplicate")
    with app.app_context():
        assert db.session.query(ResponseChange).count() == 1


def test_an_older_answer_arriving_late_does_not_undo_a_newer_one(app, stair_race):
    now = datetime.now(UTC)
    newer = calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                           uid=stair_race["race_uid"], partstat="DECLINED", stamped=now)
    older = calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                           uid=stair_race["race_uid"], stamped=now - timedelta(hours=1))
    receive(app, newer, stair_race["address"])
    late = receive(app, older, stair_race["address"])
    assert (late.outcome, late.reason) == (IncomingOutcome.NOT_APPLIED, "out_of_order")
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.NO}


def test_an_answer_written_before_the_guest_changed_it_on_their_page_is_not_applied(
        app, stair_race):
    written = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context():
        respond_to_invitation(db.session.get(Invitation, stair_race["invitation_id"]),
                              GuestAnswer({stair_race["race"].id: AnswerStatus.NO}), utcnow())
        db.session.commit()
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"], stamped=written),
                   stair_race["address"])
    assert (mail.outcome, mail.reason) == (IncomingOutcome.NOT_APPLIED, "answered_since")
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.NO}


def test_an_answer_to_an_older_version_counts_unless_a_newer_answer_was_applied(
        app, stair_race, make_activity):
    """A guest who has not answered is sent no update when a part moves or is added, so
    their Yes to the version they hold counts (and their confirmation brings the current
    one); an answer to an older version than one already applied does not."""
    make_activity(stair_race["event"], name="Boat trip", kind="standard")  # a part added
    with app.app_context():
        db.session.get(Activity, stair_race["race"].id).sequence = 2  # and the race moved
        db.session.commit()
    now = datetime.now(UTC)
    first = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                        uid=stair_race["event_uid"], sequence=0,
                                        stamped=now - timedelta(minutes=2)),
                    stair_race["address"])
    assert first.outcome is IncomingOutcome.APPLIED
    assert answers(app, stair_race["invitation_id"]) == {
        "Stair race": AnswerStatus.YES, "Dinner": AnswerStatus.YES,
        "Boat trip": AnswerStatus.YES}
    newer = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                        uid=stair_race["race_uid"], sequence=2,
                                        partstat="DECLINED", stamped=now - timedelta(minutes=1)),
                    stair_race["address"])
    assert newer.outcome is IncomingOutcome.APPLIED
    older = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                        uid=stair_race["race_uid"], sequence=1, stamped=now),
                    stair_race["address"])
    assert (older.outcome, older.reason) == (IncomingOutcome.NOT_APPLIED, "out_of_order")
    assert answers(app, stair_race["invitation_id"])["Stair race"] is AnswerStatus.NO


def test_a_sequence_no_database_can_hold_is_malformed(app, stair_race):
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"],
                                       sequence=99999999999999999999), stair_race["address"])
    assert (mail.outcome, mail.reason) == (IncomingOutcome.NOT_APPLIED, "malformed")


def test_a_report_about_another_address_does_not_mark_the_guests(app, stair_race):
    raw = delivery_report(stair_race["address"], "failed", "5.1.1").replace(
        b"rfc822; kari@client.example", b"rfc822; kari@forwarded.example")
    mail = receive(app, raw, stair_race["address"])
    assert (mail.kind, mail.reason) == (IncomingKind.BOUNCE, "other_recipient")
    assert bounced_contact(app).email_bounced_at is None


def test_auto_submitted_no_with_a_comment_is_a_person(app, stair_race):
    person = EmailMessage()
    person["From"], person["To"] = "kari@client.example", stair_race["address"]
    person["Subject"], person["Auto-Submitted"] = "Re: Invitation", "no (typed by hand)"
    person["Message-ID"] = "<by-hand@client.example>"
    person.set_content("I'll come, and bring my colleague.")
    mail = receive(app, person.as_bytes(), stair_race["address"])
    assert (mail.kind, mail.outcome) == (IncomingKind.MESSAGE, IncomingOutcome.SHOWN)


@pytest.mark.parametrize("change, reason", [
    ("deadline", "deadline_passed"), ("cancelled", "event_cancelled"),
    ("revoked", "link_not_valid")])
def test_answers_the_guest_page_would_refuse_are_kept_with_the_reason(
        app, stair_race, change, reason):
    with app.app_context():
        event = db.session.get(Event, stair_race["event"].id)
        invitation = db.session.get(Invitation, stair_race["invitation_id"])
        if change == "deadline":
            event.rsvp_deadline = utcnow() - timedelta(hours=1)
        elif change == "cancelled":
            event.status = EventStatus.CANCELLED
        else:
            invitation.revoked_at = utcnow()
        db.session.commit()
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"]), stair_race["address"])
    assert (mail.outcome, mail.reason) == (IncomingOutcome.NOT_APPLIED, reason)
    assert answers(app, stair_race["invitation_id"]) == {}
    with app.app_context():
        assert db.session.query(ResponseChange).count() == 0
        assert db.session.query(Message).filter_by(kind="confirmation").count() == 0


def test_only_the_invitations_current_address_counts(app, stair_race):
    forged = stair_race["address"].replace("@", "x@")
    made_up = stair_race["address"].split("-")[0] + "-" + "a" * 32 + "@reply.example.com"
    for address in (forged, made_up, "someone@reply.example.com"):
        mail = receive(app, calendar_reply(to=address, attendee="kari@client.example",
                                           uid=stair_race["race_uid"]), address)
        assert (mail.outcome, mail.reason, mail.workspace_id) == (
            IncomingOutcome.NOT_APPLIED, "unknown_address", None)
    with app.app_context():
        reissue_link(db.session.get(Invitation, stair_race["invitation_id"]))
        db.session.commit()
    old = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                      uid=stair_race["race_uid"]), stair_race["address"])
    assert old.reason == "unknown_address"
    assert answers(app, stair_race["invitation_id"]) == {}


def test_a_uid_of_another_event_or_a_removed_part_is_not_applied(app, stair_race):
    for uid in ("activity-999999@eventplanner.test", "event-1@elsewhere.example"):
        mail = receive(app, calendar_reply(to=stair_race["address"],
                                           attendee="kari@client.example", uid=uid),
                       stair_race["address"])
        assert (mail.outcome, mail.reason) == (IncomingOutcome.NOT_APPLIED, "unknown_part")
    assert answers(app, stair_race["invitation_id"]) == {}


def test_an_answer_from_another_address_waits_for_the_organiser(app, stair_race, log_in):
    mail = receive(app, calendar_reply(to=stair_race["address"],
                                       attendee="kari.nordmann@private.example",
                                       uid=stair_race["race_uid"]), stair_race["address"])
    assert (mail.outcome, mail.reason) == (IncomingOutcome.TO_CONFIRM, "other_address")
    assert answers(app, stair_race["invitation_id"]) == {}
    browser = log_in(stair_race["owner"])
    event_id = stair_race["event"].id
    assert "1 to confirm" in browser.get(f"/events/{event_id}/guests").get_data(as_text=True)
    page = browser.get(f"/events/{event_id}/incoming/").get_data(as_text=True)
    assert "kari.nordmann@private.example" in page and "Apply as the guest" in page
    response = browser.submit(f"/events/{event_id}/incoming/{mail.id}/apply", {})
    assert response.status_code == 303
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.YES}
    again = browser.submit(f"/events/{event_id}/incoming/{mail.id}/apply", {})
    assert again.status_code == 303
    assert "not waiting to be confirmed" in browser.get(
        f"/events/{event_id}/incoming/").get_data(as_text=True)


def test_a_proposal_of_another_time_is_shown_not_applied(app, stair_race, log_in):
    raw = calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                         uid=stair_race["race_uid"], method="COUNTER")
    mail = receive(app, raw, stair_race["address"])
    assert (mail.kind, mail.outcome) == (IncomingKind.COUNTER, IncomingOutcome.SHOWN)
    assert answers(app, stair_race["invitation_id"]) == {}
    page = log_in(stair_race["owner"]).get(
        f"/events/{stair_race['event'].id}/incoming/").get_data(as_text=True)
    assert "Proposal of another time" in page


def test_an_automatic_reply_is_shown_unless_it_carries_a_real_answer(app, stair_race):
    out_of_office = EmailMessage()
    out_of_office["From"], out_of_office["To"] = "kari@client.example", stair_race["address"]
    out_of_office["Subject"] = "Automatic reply: Invitation: Client race"
    out_of_office["Auto-Submitted"] = "auto-replied"
    out_of_office["Message-ID"] = "<ooo-1@client.example>"
    out_of_office.set_content("I am away until Monday.")
    mail = receive(app, out_of_office.as_bytes(), stair_race["address"])
    assert (mail.kind, mail.outcome) == (IncomingKind.AUTO_REPLY, IncomingOutcome.SHOWN)
    assert mail.detail == "I am away until Monday."
    accepted = receive(app, calendar_reply(
        to=stair_race["address"], attendee="kari@client.example", uid=stair_race["race_uid"],
        extra_headers={"Auto-Submitted": "auto-generated"}), stair_race["address"])
    assert accepted.outcome is IncomingOutcome.APPLIED


@pytest.mark.settings(INBOUND_MAX_BYTES=5000, INBOUND_MAX_PARTS=5)
def test_bad_mail_is_kept_with_the_reason_and_changes_nothing(app, stair_race):
    address = stair_race["address"]

    def email_with(*parts: tuple[str, str], headers: dict | None = None) -> bytes:
        message = EmailMessage()
        message["From"], message["To"] = "kari@client.example", address
        message["Subject"], message["Message-ID"] = "Re: Invitation", f"<{uuid.uuid4()}@x>"
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content("Hello")
        for content, subtype in parts:
            message.add_attachment(content.encode(), maintype="text", subtype=subtype,
                                   filename=f"file.{subtype}")
        return message.as_bytes()

    two_uids = calendar_reply(to=address, attendee="kari@client.example",
                              uid=stair_race["race_uid"], another_uid="other@x")
    cases = {
        "not iCalendar": (email_with(("this is not a calendar", "calendar")), "malformed"),
        "broken": (email_with(("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:yesterday\r\n",
                               "calendar")), "malformed"),
        "two UIDs": (two_uids, "several_uids"),
        "huge": (email_with(("x" * 6000, "plain")), "too_large"),
        "many attachments": (email_with(*[("a", "plain")] * 6), "too_many_parts"),
        "not an email": (b"\x00\xff\xfe garbage \r\n\r\n", None),
        "a forwarded invitation": (calendar_reply(to=address, attendee="kari@client.example",
                                                  uid=stair_race["race_uid"],
                                                  method="REQUEST"), "not_an_answer"),
    }
    for name, (raw, reason) in cases.items():
        mail = receive(app, raw, address)
        assert mail.outcome is not IncomingOutcome.APPLIED, name
        if reason:
            assert mail.reason == reason, name
    assert answers(app, stair_race["invitation_id"]) == {}
    with app.app_context():
        assert db.session.query(IncomingMail).count() == len(cases)


def delivery_report(to: str, action: str, status: str) -> bytes:
    """A mail server's report (RFC 3464 2.1): human text, then the machine-readable part."""
    return (f"From: MAILER-DAEMON@mx.client.example\r\nTo: {to}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <{uuid.uuid4()}@mx.client.example>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
            "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
            "Your message could not be delivered.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.client.example\r\n\r\n"
            f"Final-Recipient: rfc822; kari@client.example\r\nAction: {action}\r\n"
            f"Status: {status}\r\nDiagnostic-Code: smtp; 550 {status} User unknown\r\n"
            "\r\n--b1--\r\n").encode()


def bounced_contact(app) -> Contact:
    with app.app_context():
        contact = db.session.scalars(select(Contact).where(
            Contact.email == "kari@client.example")).one()
        db.session.expunge(contact)
        return contact


def test_a_hard_bounce_marks_the_address_on_the_guest_list(app, stair_race, log_in):
    for action, status in (("delayed", "4.4.7"), ("failed", "4.2.2")):
        mail = receive(app, delivery_report(stair_race["address"], action, status),
                       stair_race["address"])
        assert mail.kind is IncomingKind.BOUNCE
        assert bounced_contact(app).email_bounced_at is None, "it may still be delivered"
    mail = receive(app, delivery_report(stair_race["address"], "failed", "5.1.1"),
                   stair_race["address"])
    assert (mail.kind, mail.reason) == (IncomingKind.BOUNCE, "hard_bounce")
    contact = bounced_contact(app)
    assert contact.email_bounced_at is not None and "5.1.1" in contact.email_bounce_reason
    browser = log_in(stair_race["owner"])
    event_id = stair_race["event"].id
    assert "Email address bounces" in browser.get(
        f"/events/{event_id}/guests").get_data(as_text=True)
    guest_page = browser.get(
        f"/events/{event_id}/guests/{stair_race['invitation_id']}").get_data(as_text=True)
    assert "Mail to this address bounced" in guest_page and "5.1.1" in guest_page
    assert guest_page.count("Delivery report") == 3


def test_mail_of_no_invitation_is_deleted_after_30_days_and_erasure_forgets_the_rest(
        app, stair_race):
    stray = receive(app, calendar_reply(to="rsvp+1-" + "b" * 32 + "@reply.example.com",
                                        attendee="x@example.org", uid="u@x"),
                    "rsvp+1-" + "b" * 32 + "@reply.example.com")
    kept = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"]), stair_race["address"])
    with app.app_context():
        db.session.get(IncomingMail, stray.id).received_at = utcnow() - timedelta(days=31)
        db.session.get(IncomingMail, kept.id).received_at = utcnow() - timedelta(days=31)
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "3650"]).output
    assert "deleted 1 emails to addresses of no invitation" in output
    with app.app_context():
        assert db.session.get(IncomingMail, stray.id) is None
        erase_contact(db.session.get(Contact, bounced_contact(app).id), utcnow(), None)
        db.session.commit()
        erased = db.session.get(IncomingMail, kept.id)
        assert (erased.sender, erased.attendee, erased.subject) == ("", "", "")
        assert erased.outcome is IncomingOutcome.APPLIED
    after = receive(app, calendar_reply(to=stair_race["address"],
                                        attendee="kari.private@example.org",
                                        uid=stair_race["race_uid"]), stair_race["address"])
    assert (after.outcome, after.reason) == (IncomingOutcome.NOT_APPLIED, "link_not_valid")
    assert (after.sender, after.attendee, after.subject) == ("", "", "")
    huge = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"]) + b"x" * 2_200_000,
                   stair_race["address"])
    assert (huge.reason, huge.sender, huge.subject) == ("link_not_valid", "", "")


def test_an_answer_stamped_in_the_same_second_as_a_page_answer_counts(app, stair_race):
    """DTSTAMP has whole seconds: a page answer at 12:00:00.6 is not later than a calendar
    answer stamped 12:00:00."""
    with app.app_context():
        respond_to_invitation(db.session.get(Invitation, stair_race["invitation_id"]),
                              GuestAnswer({stair_race["race"].id: AnswerStatus.NO}),
                              utcnow().replace(microsecond=600_000))
        db.session.commit()
        stamp = db.session.scalars(select(ResponseChange.changed_at)).one()
    mail = receive(app, calendar_reply(to=stair_race["address"], attendee="kari@client.example",
                                       uid=stair_race["race_uid"],
                                       stamped=stamp.replace(microsecond=0)),
                   stair_race["address"])
    assert mail.outcome is IncomingOutcome.APPLIED
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.YES}

"""Every calendar message a guest's email carries, delivered through the real mail worker
and read the way calendar software reads it: one calendar object (one UID, one VEVENT and
its VTIMEZONE) per email, the method in the MIME type equal to METHOD, the invitation's
reply address as ORGANIZER, valid iTIP (RFC 5546), and stored by a real CalDAV server
(Radicale) as one resource that reads back at the parts' own instants.

Radicale stores the objects with their METHOD line as sent (RFC 4791 4.1 says stored
objects carry none, but Radicale does not refuse one), so no line is taken out before the
PUT.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from eventplanner.calendar.services import event_uid, part_uid
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.events.services import (
    activity_details_of,
    change_event,
    change_part,
    event_details_of,
    remove_part,
)
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import resend_invitation
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.reply_address import reply_address
from tests.conftest import activity_ids, next_year_at


@dataclass(frozen=True)
class Sent:
    """One calendar message as a guest received it."""

    recipient: str
    subject: str
    method: str
    uid: str
    sequence: int
    summary: str
    partstat: str
    description: str


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    """Two parts, the race with one place."""
    owner = make_organiser(name="Ingrid Haugen", email="ingrid@example.com")
    event = make_event(owner=owner, title="Stoltzen løp & middag", status="published",
                       host_name="Ingrid Haugen", host_email="ingrid@example.com")
    make_activity(event, name="Stair race", place_name="Skansen", capacity=1)
    make_activity(event, name="Dinner", kind="standard", starts_at=next_year_at(10, 1, 19),
                  place_name="Bryggen")
    return event


@pytest.fixture
def one_part_event(event, make_event, make_activity):
    single = make_event(owner=event.owner, title="Kick-off", status="published",
                        host_name="Ingrid Haugen", host_email="ingrid@example.com")
    make_activity(single, name="Breakfast", kind="standard", starts_at=next_year_at(9, 1, 8))
    return single


class CalendarChecker:
    """Reads each new calendar message in the test inbox, checks it, stores it in a
    calendar collection on Radicale, and reads it back."""

    def __init__(self, app, inbox, calendar, deliver_mail) -> None:
        self.app, self.inbox, self.calendar, self.deliver = app, inbox, calendar, deliver_mail
        self.seen = 0
        #: UID -> (start, end) as stored in the database, kept for parts removed since.
        self.times: dict[str, tuple[datetime, datetime]] = {}
        #: UID -> the highest SEQUENCE of a REQUEST sent for it.
        self.requested: dict[str, int] = {}
        self.emails_without_calendar: list[str] = []

    def note_times(self) -> None:
        with self.app.app_context():
            for event in db.session.scalars(select(Event)):
                if event.activities:
                    self.times[event_uid(event)] = (event.starts_at, event.ends_at)
                for activity in event.activities:
                    self.times[part_uid(activity)] = (activity.starts_at, activity.ends_at)
            self.organizers = {invitation.contact.email: reply_address(invitation)
                               for invitation in db.session.scalars(select(Invitation))}

    def deliver_and_check(self) -> list[Sent]:
        """Run the worker (twice: companions written by it go in the next round), then check
        every calendar message that arrived."""
        self.note_times()
        self.deliver()
        self.deliver()
        new = self.inbox.messages[self.seen:]
        senders = self.inbox.senders[self.seen:]
        self.seen = len(self.inbox.messages)
        sent = []
        for email, sender in zip(new, senders, strict=True):
            recipient = email["To"].addresses[0].addr_spec
            assert sender == self.organizers[recipient], "bounces come back to the app"
            parts = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
            if not parts:
                self.emails_without_calendar.append(email["Subject"].strip())
                continue
            [part] = parts
            sent.append(self.check(recipient, email["Subject"].strip(), part))
        return sent

    def check(self, recipient: str, subject: str, part) -> Sent:
        content = part.get_content()
        calendar = Calendar.from_ical(content)
        assert part.get_param("method") == str(calendar["METHOD"]), subject
        [vevent] = calendar.walk("VEVENT")
        assert {str(c["UID"]) for c in calendar.walk() if "UID" in c} == {str(vevent["UID"])}
        assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT"], subject
        method, uid = str(calendar["METHOD"]), str(vevent["UID"])
        self.check_itip(method, uid, vevent, recipient, subject)
        self.store_and_read_back(uid, content.encode("utf-8"))
        return Sent(recipient, subject, method, uid, int(vevent["SEQUENCE"]),
                    str(vevent["SUMMARY"]), vevent["ATTENDEE"].params["PARTSTAT"],
                    str(vevent.get("DESCRIPTION", "")))

    def check_itip(self, method: str, uid: str, vevent, recipient: str, subject: str) -> None:
        """RFC 5546 3.2.2 and 3.2.5: what a REQUEST and a CANCEL must hold."""
        for name in ("ORGANIZER", "ATTENDEE", "DTSTAMP", "SEQUENCE", "UID", "DTSTART"):
            assert name in vevent, (subject, name)
        assert str(vevent["ORGANIZER"]) == f"mailto:{self.organizers[recipient]}", subject
        assert vevent["ORGANIZER"].params["CN"] == "Ingrid Haugen"
        assert "SENT-BY" not in vevent["ORGANIZER"].params
        assert str(vevent["ATTENDEE"]) == f"mailto:{recipient}"
        sequence = int(vevent["SEQUENCE"])
        if method == "REQUEST":
            assert vevent["ATTENDEE"].params["RSVP"] == "TRUE"
            self.requested[uid] = max(self.requested.get(uid, 0), sequence)
        else:
            assert method == "CANCEL", subject
            assert vevent["STATUS"] == "CANCELLED"
            assert uid in self.requested, f"{subject}: a CANCEL for an entry never sent"
            assert sequence >= self.requested[uid], subject

    def store_and_read_back(self, uid: str, content: bytes) -> None:
        name = hashlib.sha256(uid.encode()).hexdigest()[:24] + ".ics"
        status, body = self.calendar.put(name, content)
        assert status in (201, 204), body
        status, stored = self.calendar.get(name)
        assert status == 200
        [vevent] = Calendar.from_ical(stored).walk("VEVENT")
        assert str(vevent["UID"]) == uid
        assert (vevent.decoded("DTSTART"), vevent.decoded("DTEND")) == self.times[uid]


@pytest.fixture
def checker(app, smtp_server, caldav_server, deliver_mail) -> CalendarChecker:
    return CalendarChecker(app, smtp_server, caldav_server.new_calendar(), deliver_mail)


def answer(client, token: str, answers: dict[int, str]) -> None:
    response = client.submit(f"/r/{token}", {
        **{f"part_{part}": value for part, value in answers.items()},
        "dietary_needs": "", "message_to_host": ""})
    assert response.status_code == 303


def uids(app, event) -> tuple[str, str, str]:
    """The whole event's UID and its two parts'."""
    with app.app_context():
        live = db.session.get(Event, event.id)
        race, dinner = sorted(live.activities, key=lambda a: a.starts_at)
        return event_uid(live), part_uid(race), part_uid(dinner)


def summary(sent: list[Sent]) -> list[tuple[str, str, str, str]]:
    """(recipient's name, subject's first words, method, UID), in the order received."""
    return [(s.recipient.split("@")[0], s.subject.split(":")[0], s.method, s.uid)
            for s in sent]


def organiser_changes(app, change) -> None:
    with app.app_context():
        change()
        db.session.commit()


def test_every_calendar_message_is_one_object_a_caldav_server_stores(
        app, client, event, one_part_event, make_contact, make_invitation, checker):
    owner = event.owner
    kari = make_invitation(event, make_contact(owner, email="kari@client.example"), send=True)
    ola = make_invitation(event, make_contact(owner, email="ola@client.example"), send=True)
    make_invitation(event, make_contact(owner, email="liv@client.example"), send=True)
    per = make_invitation(one_part_event, make_contact(owner, email="per@client.example"),
                          send=True)
    whole, race, dinner = uids(app, event)
    [breakfast_id] = activity_ids(app, one_part_event)
    with app.app_context():
        breakfast = part_uid(db.session.get(Activity, breakfast_id))
    race_id, dinner_id = activity_ids(app, event)

    # Invitations: the whole event's entry for two parts, the part's for one.
    assert summary(checker.deliver_and_check()) == [
        ("kari", "Invitation", "REQUEST", whole), ("ola", "Invitation", "REQUEST", whole),
        ("liv", "Invitation", "REQUEST", whole), ("per", "Invitation", "REQUEST", breakfast)]

    # A first answer, yes and no: the race in the confirmation, the whole event's entry
    # removed by a companion, nothing for the dinner.
    answer(client, kari.token, {race_id: "yes", dinner_id: "no"})
    sent = checker.deliver_and_check()
    assert summary(sent) == [("kari", "Your answer", "REQUEST", race),
                             ("kari", "Removed from your calendar", "CANCEL", whole)]
    assert sent[0].partstat == "ACCEPTED"

    # Yes to a full race: waiting for a place, and the entry says so.
    answer(client, ola.token, {race_id: "yes", dinner_id: "yes"})
    sent = checker.deliver_and_check()
    assert summary(sent) == [("ola", "Your answer", "REQUEST", race),
                             ("ola", "In your calendar", "REQUEST", dinner),
                             ("ola", "Removed from your calendar", "CANCEL", whole)]
    assert sent[0].partstat == "TENTATIVE" and "on the waitlist" in sent[0].summary
    assert "waitlist" in sent[0].description
    assert sent[1].partstat == "ACCEPTED"

    # A changed answer: the dinner in, the race out; the race's place goes to Ola.
    answer(client, kari.token, {race_id: "no", dinner_id: "yes"})
    sent = checker.deliver_and_check()
    assert sorted(summary(sent)) == sorted([
        ("ola", "A place for you", "REQUEST", race),
        ("kari", "Your answer", "REQUEST", dinner),
        ("kari", "Removed from your calendar", "CANCEL", race)])
    promoted = next(s for s in sent if s.recipient.startswith("ola"))
    assert promoted.partstat == "ACCEPTED" and "waitlist" not in promoted.summary

    # The only part of an event: in the calendar since the invitation, so a no removes it.
    answer(client, per.token, {breakfast_id: "no"})
    assert summary(checker.deliver_and_check()) == [
        ("per", "Your answer", "CANCEL", breakfast)]

    # The dinner moves: an update to each guest coming to it.
    def move_dinner():
        dinner_part = db.session.get(Activity, dinner_id)
        details = activity_details_of(dinner_part)
        change_part(dinner_part, replace(details, starts_at=details.starts_at + timedelta(
            minutes=30), ends_at=details.ends_at + timedelta(minutes=30)), utcnow())
    organiser_changes(app, move_dinner)
    sent = checker.deliver_and_check()
    assert sorted(summary(sent)) == [("kari", "Changed", "REQUEST", dinner),
                                     ("ola", "Changed", "REQUEST", dinner)]
    assert {s.sequence for s in sent} == {1}

    # The event is cancelled, then takes place after all: each entry a guest holds.
    def set_status(status):
        def change():
            live = db.session.get(Event, event.id)
            change_event(live, replace(event_details_of(live), status=status), utcnow())
        return change
    for status, kind in ((EventStatus.CANCELLED, "CANCEL"), (EventStatus.PUBLISHED, "REQUEST")):
        organiser_changes(app, set_status(status))
        sent = checker.deliver_and_check()
        subject = "Cancelled" if kind == "CANCEL" else "On again"
        companion = "Removed from your calendar" if kind == "CANCEL" else "In your calendar"
        assert summary(sent) == [
            ("kari", subject, kind, dinner),
            ("ola", subject, kind, race), ("ola", companion, kind, dinner),
            ("liv", subject, kind, whole)], status

    # The race is removed: its cancellation to the guest coming to it.
    organiser_changes(app, lambda: remove_part(db.session.get(Activity, race_id), utcnow()))
    assert summary(checker.deliver_and_check()) == [("ola", "Cancelled", "CANCEL", race)]
    assert checker.emails_without_calendar == []


def test_an_invitation_sent_again_after_an_answer_carries_no_calendar(
        app, client, event, make_contact, make_invitation, checker):
    kari = make_invitation(event, make_contact(event.owner, email="kari@client.example"),
                           send=True)
    race_id, dinner_id = activity_ids(app, event)
    checker.deliver_and_check()
    answer(client, kari.token, {race_id: "yes", dinner_id: "no"})
    checker.deliver_and_check()

    def send_again():
        resend_invitation(db.session.get(Invitation, kari.id), utcnow())
    organiser_changes(app, send_again)
    assert checker.deliver_and_check() == []
    assert checker.emails_without_calendar == ["Invitation: Stoltzen løp & middag"]


def test_answers_changed_before_the_confirmation_goes_send_only_the_net_change(
        app, client, event, make_contact, make_invitation, checker):
    """The later confirmation replaces the earlier one and takes over its calendar
    changes: yes then no to the dinner before anything is sent leaves it out."""
    kari = make_invitation(event, make_contact(event.owner, email="kari@client.example"),
                           send=True)
    whole, race, dinner = uids(app, event)
    checker.deliver_and_check()
    race_id, dinner_id = activity_ids(app, event)
    answer(client, kari.token, {race_id: "no", dinner_id: "yes"})
    answer(client, kari.token, {race_id: "yes", dinner_id: "no"})
    assert summary(checker.deliver_and_check()) == [
        ("kari", "Your answer", "REQUEST", race),
        ("kari", "Removed from your calendar", "CANCEL", whole)]


def test_the_organiser_answering_meanwhile_holds_back_a_cancel(
        app, client, event, make_contact, make_invitation, checker):
    """A CANCEL is derived again when written: the guest said no, then the organiser put
    them down as coming before the confirmation went out."""
    from eventplanner.invitations.answers import answer_on_behalf
    from eventplanner.invitations.models import AnswerStatus

    kari = make_invitation(event, make_contact(event.owner, email="kari@client.example"),
                           send=True)
    whole, race, dinner = uids(app, event)
    race_id, dinner_id = activity_ids(app, event)
    answer(client, kari.token, {race_id: "no", dinner_id: "yes"})
    checker.deliver_and_check()
    answer(client, kari.token, {race_id: "no", dinner_id: "no"})

    def organiser_says_yes():
        live = db.session.get(Invitation, kari.id)
        answer_on_behalf(live, {dinner_id: AnswerStatus.YES}, utcnow(), live.event.owner)
    organiser_changes(app, organiser_says_yes)
    sent = checker.deliver_and_check()
    assert summary(sent) == [], "the dinner stays in the calendar: no CANCEL"


def test_the_whole_events_sequence_follows_its_parts(app, event, make_activity):
    def sequence() -> int:
        with app.app_context():
            return db.session.get(Event, event.id).calendar_sequence

    assert sequence() == 2, "two parts added"
    race_id, _ = activity_ids(app, event)

    def move_race():
        race_part = db.session.get(Activity, race_id)
        details = activity_details_of(race_part)
        change_part(race_part, replace(details, ends_at=details.ends_at + timedelta(
            minutes=5)), utcnow())
    organiser_changes(app, move_race)
    assert sequence() == 3
    make_activity(event, name="Breakfast", starts_at=next_year_at(10, 1, 8))
    assert sequence() == 4
    organiser_changes(app, lambda: remove_part(db.session.get(Activity, race_id), utcnow()))
    assert sequence() == 5


def test_each_part_can_be_downloaded_on_its_own(app, client, event, one_part_event,
                                                make_contact, make_invitation, log_in):
    kari = make_invitation(event, make_contact(event.owner), send=True)
    race_id, dinner_id = activity_ids(app, event)
    [other_id] = activity_ids(app, one_part_event)
    page = client.get(f"/r/{kari.token}").get_data(as_text=True)
    for part_id, name in ((race_id, "Stair race"), (dinner_id, "Dinner")):
        assert f"/r/{kari.token}/calendar/{part_id}.ics" in page
        response = client.get(f"/r/{kari.token}/calendar/{part_id}.ics")
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response.headers["X-Robots-Tag"]
        calendar = Calendar.from_ical(response.data)
        [vevent] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "PUBLISH" and str(vevent["SUMMARY"]).startswith(name)
        assert f"/r/{kari.token}" in vevent["DESCRIPTION"]
    assert client.get(f"/r/{kari.token}/calendar/{other_id}.ics").status_code == 404

    organiser = log_in(event.owner)
    assert f"/events/{event.id}/calendar/{race_id}.ics" in organiser.get(
        f"/events/{event.id}").get_data(as_text=True)
    response = organiser.get(f"/events/{event.id}/calendar/{race_id}.ics")
    [vevent] = Calendar.from_ical(response.data).walk("VEVENT")
    assert "Stair race" in str(vevent["SUMMARY"]) and b"/r/" not in response.data
    assert organiser.get(f"/events/{event.id}/calendar/{other_id}.ics").status_code == 404


@pytest.mark.settings(REPLY_DOMAIN="")
def test_without_a_reply_domain_the_host_organises_and_mail_from_is_the_sender(
        app, event, make_contact, make_invitation, smtp_server, deliver_mail):
    make_invitation(event, make_contact(event.owner, email="kari@client.example"), send=True)
    deliver_mail()
    [email] = smtp_server.messages
    [part] = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
    [vevent] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(vevent["ORGANIZER"]) == "mailto:ingrid@example.com"
    assert smtp_server.senders == ["noreply@localhost"]
    with app.app_context():
        assert db.session.scalar(select(Contact.email)) == "kari@client.example"

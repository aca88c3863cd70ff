"""Invitation rules, called directly: links, capacity and waitlist, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from eventplanner import errors
from eventplanner.errors import DeadlinePassed, Full
from eventplanner.events.models import EventStatus
from eventplanner.extensions import db, utcnow
from eventplanner.invitations import answers, inviting, links, reminders, waitlist
from eventplanner.invitations.answers import GuestAnswer
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.invitations.tokens import token_digest
from eventplanner.mail.delivery import deliver_queued
from eventplanner.mail.models import Message

YES, NO, MAYBE, WAITLISTED = (AnswerStatus.YES, AnswerStatus.NO, AnswerStatus.MAYBE,
                              AnswerStatus.WAITLISTED)


@pytest.fixture
def race(app_ctx, make_organiser, make_event, make_activity):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    activity = make_activity(event, name="Stair race", capacity=3)
    return db.session.merge(activity)


@pytest.fixture
def invite(app_ctx, race, make_contact):
    """Invite a new contact to the race's event; returns the live invitation."""

    def invite_one(plus_ones: int = 0) -> Invitation:
        event = race.event
        contact = make_contact(event.owner)
        report = inviting.invite_contacts(event, event.owner, [contact.id], plus_ones,
                                          send=True, now=utcnow())
        db.session.commit()
        return report.invited[0]

    return invite_one


def answer(invitation, race, status, plus_ones=()):
    answers.respond_to_invitation(
        invitation, GuestAnswer({race.id: status}, plus_one_names=tuple(plus_ones)), utcnow())
    db.session.commit()
    return invitation.answer_for(race)


def test_the_database_keeps_only_a_digest_of_the_link(app_ctx, invite):
    invitation = invite()
    token = links.invitation_token(invitation)
    assert len(token) == 43  # 256 bits, URL-safe base64
    assert invitation.token_digest == token_digest(token)
    dump = " ".join(str(value) for row in db.session.execute(text(
        "SELECT * FROM invitation")).all() for value in row)
    assert token not in dump
    assert links.find_invitation_by_token(token).id == invitation.id


def test_links_depend_on_the_server_key(app_ctx, invite):
    invitation = invite()
    token = links.invitation_token(invitation)
    app_ctx.config["TOKEN_KEY"] = "another server key"
    assert links.invitation_token(invitation) != token


def test_inviting_twice_does_nothing_the_second_time(app_ctx, race, make_contact):
    event = race.event
    contact = make_contact(event.owner)
    first = inviting.invite_contacts(event, event.owner, [contact.id], 0, send=True,
                                     now=utcnow())
    second = inviting.invite_contacts(event, event.owner, [contact.id], 2, send=True,
                                      now=utcnow())
    db.session.commit()
    assert (len(first.invited), len(second.invited), second.already_invited) == (1, 0, 1)
    assert db.session.scalars(select(Message.kind)).all() == ["invitation"]
    assert first.invited[0].plus_ones_allowed == 0


def test_another_organisers_contacts_cannot_be_invited(app_ctx, race, make_contact):
    stranger = make_contact()  # belongs to a new organiser
    report = inviting.invite_contacts(race.event, race.event.owner, [stranger.id], 0,
                                      send=False, now=utcnow())
    assert report.invited == []


def test_a_draft_event_sends_no_invitations(app_ctx, race, make_contact):
    race.event.status = EventStatus.DRAFT
    contact = make_contact(race.event.owner)
    with pytest.raises(errors.InvalidState):
        inviting.invite_contacts(race.event, race.event.owner, [contact.id], 0, send=True,
                                 now=utcnow())
    report = inviting.invite_contacts(race.event, race.event.owner, [contact.id], 0,
                                      send=False, now=utcnow())
    assert report.invited[0].sent_at is None
    assert db.session.scalars(select(Message)).all() == []


def test_a_yes_to_a_full_part_waits_in_line_and_moves_up_when_a_place_comes_free(
        app_ctx, race, invite):
    pair, single, late, later = invite(plus_ones=1), invite(), invite(plus_ones=1), invite()
    assert answer(pair, race, YES, ["Per"]) is YES        # 2 of 3 places
    assert answer(single, race, YES) is YES               # 3 of 3
    assert answer(late, race, YES, ["Pål"]) is WAITLISTED
    assert answer(later, race, YES) is WAITLISTED
    late_response, later_response = late.response_for(race), later.response_for(race)
    assert waitlist.waitlist_position(late_response) == 1
    assert waitlist.waitlist_position(later_response) == 2

    assert answer(single, race, NO) is NO                 # one place free: only "later" fits
    db.session.expire_all()
    assert late.answer_for(race) is WAITLISTED
    assert later.answer_for(race) is YES
    assert waitlist.waitlist_position(late.response_for(race)) == 1

    assert answer(pair, race, NO) is NO                   # two free: the pair fits now
    db.session.expire_all()
    assert late.answer_for(race) is YES
    assert waitlist.confirmed_places(race.id) == 3
    promoted = [m.recipient for m in db.session.scalars(
        select(Message).where(Message.kind == "waitlist_promoted").order_by(Message.id))]
    assert promoted == [later.contact.email, late.contact.email]


def test_confirmed_places_never_exceed_capacity_with_plus_ones(app_ctx, race, invite):
    first, second = invite(plus_ones=2), invite(plus_ones=2)
    assert answer(first, race, YES, ["A", "B"]) is YES
    assert answer(second, race, YES, ["C"]) is WAITLISTED
    assert waitlist.confirmed_places(race.id) == 3


def test_adding_plus_ones_that_do_not_fit_is_refused_and_nothing_changes(
        app_ctx, race, invite):
    guest, other = invite(plus_ones=2), invite()
    answer(guest, race, YES, ["A"])
    answer(other, race, YES)
    with pytest.raises(Full, match="room for 2 of you, not 3"):
        answers.respond_to_invitation(
            guest, GuestAnswer({race.id: YES}, plus_one_names=("A", "B")), utcnow())
    db.session.rollback()
    assert guest.plus_one_names == ["A"]
    assert waitlist.confirmed_places(race.id) == 3


def test_maybe_and_no_take_no_place(app_ctx, race, invite):
    answer(invite(), race, MAYBE)
    answer(invite(), race, NO)
    assert waitlist.confirmed_places(race.id) == 0


def test_answers_after_the_deadline_are_refused(app_ctx, race, invite):
    guest = invite()
    race.event.rsvp_deadline = utcnow() - timedelta(seconds=1)
    with pytest.raises(DeadlinePassed):
        answers.respond_to_invitation(guest, GuestAnswer({race.id: YES}), utcnow())


def test_reminders_go_to_those_who_have_not_answered_never_to_a_no(app_ctx, race, invite):
    silent, declined, maybe = invite(), invite(), invite()
    answer(declined, race, NO)
    answer(maybe, race, MAYBE)
    assert reminders.send_reminders(race.event, utcnow()) == 1
    assert silent.last_reminded_at is not None
    ticked = [silent.id, declined.id, maybe.id]
    assert reminders.send_reminders(race.event, utcnow(), ticked) == 2
    reminded = db.session.scalars(select(Message.recipient).where(Message.kind == "reminder"))
    assert declined.contact.email not in set(reminded)


def test_the_scheduled_reminder_moves_with_the_deadline(app_ctx, race, invite):
    guest = invite()
    event = race.event
    now = utcnow()
    event.rsvp_deadline = now + timedelta(days=5)
    event.reminder_days_before = 2
    db.session.commit()
    assert reminders.send_due_reminders(now) == 0                       # due in 3 days
    assert reminders.send_due_reminders(now + timedelta(days=3, minutes=1)) == 1
    assert reminders.send_due_reminders(now + timedelta(days=3, minutes=2)) == 0  # sent once
    event.rsvp_deadline = now + timedelta(days=10)                     # deadline moves
    db.session.commit()
    assert reminders.send_due_reminders(now + timedelta(days=4)) == 0
    assert reminders.send_due_reminders(now + timedelta(days=8, minutes=1)) == 1
    assert guest.last_reminded_at is not None


def test_batch_emails_fill_in_each_guests_name_and_link_safely(app_ctx, race, make_contact,
                                                             smtp_server):
    event = race.event
    tricky = make_contact(event.owner, name="Åse & <Bo>", email="ase@client.example",
                          language="de")
    plain = make_contact(event.owner, name="Ola", email="ola@client.example")
    report = inviting.invite_contacts(event, event.owner, [tricky.id, plain.id], 0,
                                      send=True, now=utcnow())
    db.session.commit()
    assert deliver_queued().sent == 2  # written by the worker, just before sending
    messages = {m.recipient: m for m in db.session.scalars(select(Message))}
    ase, ola = messages["ase@client.example"], messages["ola@client.example"]
    assert "Guten Tag Åse & <Bo>," in ase.body_text  # in her language, German
    assert "Guten Tag Åse &amp; &lt;Bo&gt;," in ase.body_html and "<Bo>" not in ase.body_html
    assert "Dear Ola," in ola.body_text
    sent_links = {i.contact.email: links.invitation_link(i) for i in report.invited}
    assert sent_links["ase@client.example"] in ase.body_text
    assert sent_links["ola@client.example"] in ola.body_html
    assert sent_links["ola@client.example"] not in ase.body_text
    [sent] = smtp_server.to("ase@client.example")
    assert "Guten Tag Åse & <Bo>," in sent.get_body(preferencelist=("plain",)).get_content()

"""Capacity while the organiser edits: whoever commits second decides with what the first
committed, and nobody waits while a place they fit is free.

The races are played out exactly: the organiser's change is made and held uncommitted in one
thread while a guest answers in another; then the organiser commits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventplanner import errors
from eventplanner.contacts.models import Contact
from eventplanner.errors import DeadlinePassed
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.events.services import (
    activity_details_of,
    change_event,
    change_part,
    event_details_of,
)
from eventplanner.extensions import db, utcnow
from eventplanner.invitations import answers, inviting, links, reminders, waitlist
from eventplanner.invitations.answers import GuestAnswer
from eventplanner.invitations.errors import LinkNotValid, NotOpenYet
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.mail.models import Message
from eventplanner.privacy.services import erase_contact
from eventplanner.rsvp.guest_page import guest_page
from tests.conftest import held_while

YES, NO = AnswerStatus.YES, AnswerStatus.NO


def answer(app, invitation_id: int, part_id: int, status: AnswerStatus) -> None:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        answers.respond_to_invitation(invitation, GuestAnswer({part_id: status}), utcnow())
        db.session.commit()


def set_capacity(app, part_id: int, capacity: int | None):
    def change():
        activity = db.session.get(Activity, part_id)
        return change_part(activity, replace(activity_details_of(activity), capacity=capacity),
                           utcnow())
    return change


def places(app, part_id: int) -> tuple[int, int | None, list[int]]:
    """Confirmed places, the capacity, and the parties waiting (in line order)."""
    with app.app_context():
        capacity = db.session.get(Activity, part_id).capacity
        waiting = db.session.scalars(
            select(Response.places).where(Response.activity_id == part_id,
                                          Response.status == AnswerStatus.WAITLISTED)
            .order_by(Response.waitlisted_at, Response.id)).all()
        return waitlist.confirmed_places(part_id), capacity, list(waiting)


@pytest.fixture
def race(make_organiser, make_event, make_activity, make_contact, make_invitation):
    """A published race with ``capacity`` places and ``guests`` invited (not answered)."""

    def make(capacity: int, guests: int):
        owner = make_organiser()
        event = make_event(owner=owner, status="published")
        part = make_activity(event, capacity=capacity)
        invitations = [make_invitation(event, make_contact(owner)) for _ in range(guests)]
        return event, part, [invitation.id for invitation in invitations]

    return make


def test_raising_capacity_while_a_confirmed_guest_says_no_leaves_nobody_waiting(app, race):
    event, part, (x, y, first, second) = race(capacity=2, guests=4)
    for guest in (x, y, first, second):
        answer(app, guest, part.id, YES)
    assert places(app, part.id) == (2, 2, [1, 1])

    held_while(app, set_capacity(app, part.id, 3), lambda: answer(app, x, part.id, NO))

    assert places(app, part.id) == (3, 3, [])


def test_lowering_capacity_while_guests_say_yes_never_overbooks(app, race):
    event, part, guests = race(capacity=12, guests=12)
    for guest in guests[:10]:
        answer(app, guest, part.id, YES)

    held_while(app, set_capacity(app, part.id, 10),
               lambda: answer(app, guests[10], part.id, YES))
    answer(app, guests[11], part.id, YES)

    assert places(app, part.id) == (10, 10, [1, 1])


def test_capacity_cannot_be_lowered_below_places_confirmed_meanwhile(app, race):
    event, part, guests = race(capacity=5, guests=5)
    for guest in guests[:3]:
        answer(app, guest, part.id, YES)
    with app.app_context():
        stale = db.session.get(Activity, part.id)  # the form was read with 3 confirmed
        details = replace(activity_details_of(stale), capacity=3)
        answer(app, guests[3], part.id, YES)  # a fourth says yes before the organiser saves
        with pytest.raises(errors.InvalidState):
            change_part(stale, details, utcnow())
        db.session.rollback()
    assert places(app, part.id) == (4, 5, [])


def test_an_answer_through_a_link_reissued_meanwhile_is_refused(app, race):
    event, part, (guest,) = race(capacity=5, guests=1)
    with app.app_context():
        stale = db.session.get(Invitation, guest)
        assert stale.event.activities  # the page was loaded through the old link
        with app.app_context():
            links.reissue_link(db.session.get(Invitation, guest))
            db.session.commit()
        with pytest.raises(LinkNotValid):
            answers.respond_to_invitation(stale, GuestAnswer({part.id: YES}), utcnow())
        db.session.rollback()
    assert places(app, part.id) == (0, 5, [])


def test_saving_a_part_that_opened_places_says_who_moved_up(app, race, log_in):
    event, part, guests = race(capacity=1, guests=4)
    for guest in guests:
        answer(app, guest, part.id, YES)
    with app.app_context():
        details = activity_details_of(db.session.get(Activity, part.id))
    client = log_in(event.owner)
    form = {"name": details.name, "kind": details.kind.value,
            "starts_at": details.starts_at.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": details.ends_at.strftime("%Y-%m-%dT%H:%M"), "capacity": "4"}
    response = client.submit(f"/events/{event.id}/activities/{part.id}/edit", form,
                             follow_redirects=True)
    assert response.status_code == 200
    assert "3 guests moved from the waitlist and were emailed." in response.get_data(
        as_text=True)
    assert places(app, part.id) == (4, 4, [])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "waitlist_promoted")) == 3


def test_the_guest_list_shows_the_waiting_line_in_order(app, race, log_in):
    event, part, guests = race(capacity=1, guests=4)
    for guest in guests:
        answer(app, guest, part.id, YES)
    with app.app_context():
        names = [db.session.get(Invitation, guest).contact.name for guest in guests]
    page = log_in(event.owner).get(f"/events/{event.id}/guests").get_data(as_text=True)
    line = page[page.index('id="waitlist-heading"'):]
    assert [line.index(name) for name in names[1:]] == sorted(
        line.index(name) for name in names[1:])
    for position, name in enumerate(names[1:], start=1):
        row = page[page.index(name) - 600:page.index(name) + 900]
        assert f"On the waitlist ({position})" in row


def test_deleting_a_confirmed_contact_gives_their_place_to_the_first_in_line(
        app, race, log_in):
    event, part, (confirmed, waiting) = race(capacity=1, guests=2)
    answer(app, confirmed, part.id, YES)
    answer(app, waiting, part.id, YES)
    with app.app_context():
        contact_id = db.session.get(Invitation, confirmed).contact_id
    response = log_in(event.owner).submit(f"/contacts/{contact_id}/delete", follow_redirects=True)
    assert "1 guest moved from the waitlist and was emailed." in response.get_data(
        as_text=True)
    assert places(app, part.id) == (1, 1, [])
    with app.app_context():
        promoted = db.session.get(Invitation, waiting)
        assert promoted.answer_for(db.session.get(Activity, part.id)) is YES


def test_an_erased_guest_leaves_the_waiting_line_and_keeps_a_confirmed_place(app, race):
    event, part, (confirmed, erased, after) = race(capacity=1, guests=3)
    for guest in (confirmed, erased, after):
        answer(app, guest, part.id, YES)
    with app.app_context():
        erase_contact(db.session.get(Contact, db.session.get(Invitation, erased).contact_id),
                      utcnow(), None)
        db.session.commit()
    assert places(app, part.id) == (1, 1, [1])
    with app.app_context():
        token = links.invitation_token(db.session.get(Invitation, after))
        assert [line.place_in_line for line in guest_page(token, utcnow()).parts] == [1]


def test_a_draft_event_takes_no_answers_and_sends_nothing(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation, client):
    owner = make_organiser()
    event = make_event(owner=owner, status="draft")
    part = make_activity(event, capacity=10)
    invitation = make_invitation(event, make_contact(owner))
    with app.app_context():
        with pytest.raises(NotOpenYet):
            answers.respond_to_invitation(db.session.get(Invitation, invitation.id),
                                           GuestAnswer({part.id: YES}), utcnow())
        db.session.rollback()

    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "not open for answers yet" in page
    assert f'name="part_{part.id}"' not in page
    with app.app_context():
        csrf = links.guest_form_secret(db.session.get(Invitation, invitation.id))
    response = client.post(f"/r/{invitation.token}", data={
        "csrf_token": csrf, f"part_{part.id}": "yes", "dietary_needs": "",
        "message_to_host": ""})
    assert response.status_code == 409
    assert "not open for answers yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_publishing_a_cancelled_event_again_sends_the_calendar_back(app, race):
    event, part, guests = race(capacity=5, guests=2)
    with app.app_context():
        live = db.session.get(Event, event.id)
        inviting.send_invitations(live, inviting.invitations_of(live), utcnow())
        db.session.commit()
    answer(app, guests[0], part.id, YES)
    answer(app, guests[1], part.id, NO)  # said no to everything: hears nothing more

    def set_status(status: EventStatus) -> None:
        with app.app_context():
            live = db.session.get(Event, event.id)
            change_event(live, replace(event_details_of(live), status=status), utcnow())
            db.session.commit()

    set_status(EventStatus.CANCELLED)
    set_status(EventStatus.PUBLISHED)
    with app.app_context():
        messages = db.session.scalars(select(Message).where(
            Message.kind.in_(["event_cancelled", "event_reinstated"])).order_by(Message.id)).all()
        assert [m.kind for m in messages] == ["event_cancelled", "event_reinstated"]
        cancel, request = (m.attachments[0].content for m in messages)
        assert "METHOD:CANCEL" in cancel and "SEQUENCE:1" in cancel
        assert "METHOD:REQUEST" in request and "SEQUENCE:2" in request
        assert "STATUS:CONFIRMED" in request and "PARTSTAT=ACCEPTED" in request


def test_no_reminder_once_answers_are_closed(app, race, log_in):
    event, part, guests = race(capacity=5, guests=2)
    with app.app_context():
        live = db.session.get(Event, event.id)
        inviting.send_invitations(live, inviting.invitations_of(live), utcnow())
        live.rsvp_deadline = utcnow() - timedelta(hours=1)
        live.reminder_days_before = 1
        db.session.commit()
        with pytest.raises(DeadlinePassed):
            reminders.send_reminders(live, utcnow())
        db.session.rollback()
        assert reminders.send_due_reminders(utcnow()) == 0

    client = log_in(event.owner)
    page = client.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "A reminder goes out automatically" not in page
    response = client.submit(f"/events/{event.id}/guests/remind", {"who": "unanswered"},
                             follow_redirects=True)
    assert "The deadline for answers has passed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "reminder")) == 0

"""The guest's side: the link in the email, the page, the answer, the confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
    Response,
    ResponseChange,
)
from tests.conftest import next_year_at, personal_link_in


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    owner = make_organiser(name="Ingrid Haugen", email="ingrid@example.com")
    event = make_event(owner=owner, title="Stoltzen stair race and dinner",
                       status="published", host_name="Ingrid Haugen",
                       host_email="ingrid@example.com")
    make_activity(event, name="Stair race", capacity=10)
    make_activity(event, name="Dinner", starts_at=next_year_at(10, 1, 19), capacity=None)
    return event


@pytest.fixture
def parts(app, event):
    with app.app_context():
        from eventplanner.events.models import Activity

        race, dinner = db.session.scalars(
            select(Activity).where(Activity.event_id == event.id).order_by(Activity.starts_at))
        return {"race": race.id, "dinner": dinner.id}


def answer_form(parts, race="yes", dinner="no", **extra) -> dict:
    form = {f"part_{parts['race']}": race, f"part_{parts['dinner']}": dinner,
            "dietary_needs": "", "message_to_host": ""}
    form.update(extra)
    return form


def responses(app, invitation_id) -> dict[int, AnswerStatus]:
    with app.app_context():
        return dict(db.session.execute(
            select(Response.activity_id, Response.status)
            .where(Response.invitation_id == invitation_id)).all())


def test_guest_follows_the_emailed_link_answers_and_gets_a_confirmation(
        app, client, event, parts, make_contact, log_in, smtp_server, deliver_mail):
    contact = make_contact(event.owner, name="Kari Nordmann", email="kari@client.example",
                           dietary_notes="Vegetarian")
    organiser = log_in(event.owner)
    response = organiser.submit(f"/events/{event.id}/invite", {
        "contact_ids": str(contact.id), "company_id": "0", "tag": "",
        "plus_ones_allowed": "1", "send_now": "y"})
    assert response.status_code == 302
    assert smtp_server.messages == [], "nothing is sent from inside a request"

    deliver_mail()
    [invitation_email] = smtp_server.to("kari@client.example")
    assert "Stoltzen stair race and dinner" in invitation_email["Subject"]
    assert invitation_email["Reply-To"] == "ingrid@example.com"
    html = invitation_email.get_body(preferencelist=("html",)).get_content()
    text = invitation_email.get_body(preferencelist=("plain",)).get_content()
    assert "16:00" in text and "Stair race" in text and "Dinner" in html
    link = personal_link_in(invitation_email)

    page = client.get(link)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dear Kari Nordmann," in body and "Vegetarian" in body
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.opened_at is not None
        invitation_id = invitation.id

    saved = client.submit(link, answer_form(
        parts, race="yes", dinner="maybe", dietary_needs="Vegetarian, no nuts",
        message_to_host="Can I bring my running club shirt?", **{
            "plus_one_names-0": "Per Nordmann"}))
    assert saved.status_code == 303
    confirmation = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "your answer is saved" in confirmation
    assert "Stair race: <strong>Yes</strong>" in confirmation
    assert "Dinner: <strong>Maybe</strong>" in confirmation
    assert "Per Nordmann" in confirmation and "Vegetarian, no nuts" in confirmation
    assert responses(app, invitation_id) == {parts["race"]: AnswerStatus.YES,
                                             parts["dinner"]: AnswerStatus.MAYBE}

    deliver_mail()
    [_, confirmation_email] = smtp_server.to("kari@client.example")
    assert "Your answer" in confirmation_email["Subject"]
    assert "Stair race" in confirmation_email.get_body(("plain",)).get_content()


def test_a_confirmation_says_the_answers_that_hold_when_it_goes_out(
        app, client, event, parts, make_contact, make_invitation, smtp_server, deliver_mail):
    """The confirmation is written by the mail worker: a guest who answers again before it
    is sent gets one confirmation, with their latest answers in the text and in the
    calendar file; the earlier one stays in the outbox, not sent, saying why."""
    from eventplanner.mail.models import Message, MessageStatus

    invitation = make_invitation(event, make_contact(
        event.owner, name="Kari Nordmann", email="kari@client.example"))
    link = f"/r/{invitation.token}"
    assert client.submit(link, answer_form(parts, race="yes", dinner="yes")).status_code == 303
    assert client.submit(link, answer_form(parts, race="yes", dinner="no")).status_code == 303

    deliver_mail()
    [confirmation] = smtp_server.to("kari@client.example")
    text = confirmation.get_body(("plain",)).get_content()
    assert "Stair race (" in text and "Dinner (" in text
    assert text.split("Dinner (", 1)[1].splitlines()[0].endswith(": No"), text
    [calendar] = [part.get_content() for part in confirmation.walk()
                  if part.get_content_type() == "text/calendar"]
    unfolded = calendar.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 1, "the dinner never reached the calendar"
    assert "SUMMARY:Stair race" in unfolded and "PARTSTAT=ACCEPTED" in unfolded
    with app.app_context():
        outbox = db.session.execute(select(Message.kind, Message.status, Message.last_error)
                                    .order_by(Message.id)).all()
    assert [(kind, status) for kind, status, _ in outbox] == [
        ("confirmation", MessageStatus.NOT_SENT), ("confirmation", MessageStatus.SENT)]
    assert "answered again" in outbox[0].last_error

    assert client.submit(link, answer_form(parts, race="no", dinner="no")).status_code == 303
    deliver_mail()
    [_, later] = smtp_server.to("kari@client.example")
    assert "Stair race (" in later.get_body(("plain",)).get_content(), \
        "a confirmation sent already does not hold back the next one"
    [cancel] = [part.get_content() for part in later.walk()
                if part.get_content_type() == "text/calendar"]
    assert "METHOD:CANCEL" in cancel and "SUMMARY:Stair race" in cancel.replace("\r\n ", "")


def test_guest_can_change_answer_until_deadline_and_every_change_is_kept(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    link = f"/r/{invitation.token}"
    client.submit(link, answer_form(parts, race="yes", dinner="yes"))
    client.submit(link, answer_form(parts, race="no", dinner="yes"))
    assert responses(app, invitation.id)[parts["race"]] is AnswerStatus.NO
    with app.app_context():
        changes = db.session.execute(
            select(ResponseChange.field, ResponseChange.activity_name,
                   ResponseChange.old_value, ResponseChange.new_value)
            .where(ResponseChange.invitation_id == invitation.id)
            .order_by(ResponseChange.id)).all()
    assert [tuple(c) for c in changes] == [
        ("answer", "Stair race", "", "yes"),
        ("answer", "Dinner", "", "yes"),
        ("answer", "Stair race", "yes", "no"),
    ]


def test_after_the_deadline_the_answer_is_read_only(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    link = f"/r/{invitation.token}"
    client.submit(link, answer_form(parts, race="yes"))
    form_token = client.csrf_token(link)  # a page left open in a browser tab
    with app.app_context():
        from eventplanner.events.models import Event

        db.session.get(Event, event.id).rsvp_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "The deadline for answers has passed." in page
    assert 'name="part_' not in page
    late = client.post(link, data={**answer_form(parts, race="no"), "csrf_token": form_token})
    assert late.status_code == 409
    assert "The deadline for answers has passed." in late.get_data(as_text=True)
    assert responses(app, invitation.id)[parts["race"]] is AnswerStatus.YES


def test_a_cancelled_event_says_so_and_takes_no_answers(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    link = f"/r/{invitation.token}"
    form_token = client.csrf_token(link)
    with app.app_context():
        from eventplanner.events.models import Event, EventStatus

        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    assert "This event has been cancelled." in client.get(link).get_data(as_text=True)
    late = client.post(link, data={**answer_form(parts), "csrf_token": form_token})
    assert late.status_code == 409
    assert responses(app, invitation.id) == {}


@pytest.mark.parametrize("token", [
    "x" * 43, "too-short", "A" * 42 + "!", "../../etc/passwd", "a" * 500,
])
def test_a_wrong_link_gets_a_friendly_not_found_page(client, event, token):
    response = client.get(f"/r/{token}")
    assert response.status_code == 404
    assert "This link is no longer valid" in response.get_data(as_text=True)


def test_a_revoked_link_stops_working_and_a_new_one_works(
        app, client, event, parts, make_contact, make_invitation, log_in):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    old_link = f"/r/{invitation.token}"
    organiser = log_in(event.owner)
    organiser.submit(f"/events/{event.id}/guests/{invitation.id}/revoke")
    assert client.get(old_link).status_code == 404
    assert client.post(old_link, data=answer_form(parts)).status_code == 404

    organiser.submit(f"/events/{event.id}/guests/{invitation.id}/reissue")
    page = organiser.get(f"/events/{event.id}/guests/{invitation.id}").get_data(as_text=True)
    new_link = "/r/" + page.split("http://eventplanner.test/r/")[1][:43]
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_a_part_of_another_event_is_refused(
        app, client, event, parts, make_contact, make_invitation, make_event, make_activity):
    other = make_activity(make_event(owner=event.owner))
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    response = client.submit(f"/r/{invitation.token}",
                             {**answer_form(parts), f"part_{other.id}": "yes"})
    assert response.status_code == 400
    assert "That part is not in this event." in response.get_data(as_text=True)
    assert responses(app, invitation.id) == {}


def test_more_plus_ones_than_allowed_are_refused(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), plus_ones_allowed=1,
                                 send=True)
    response = client.submit(f"/r/{invitation.token}", answer_form(
        parts, **{"plus_one_names-0": "Per", "plus_one_names-1": "Pål"}))
    assert response.status_code == 422
    assert "You can bring at most 1 guest." in response.get_data(as_text=True)
    assert responses(app, invitation.id) == {}


def test_every_part_needs_an_answer(app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    form = answer_form(parts)
    del form[f"part_{parts['dinner']}"]
    response = client.submit(f"/r/{invitation.token}", form)
    assert response.status_code == 422
    assert "Choose yes, no or maybe." in response.get_data(as_text=True)
    assert responses(app, invitation.id) == {}


def test_a_forged_post_without_csrf_token_is_refused(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    response = client.post(f"/r/{invitation.token}", data=answer_form(parts))
    assert response.status_code == 400
    assert responses(app, invitation.id) == {}


def test_a_double_submit_is_harmless(app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    form = answer_form(parts, race="yes", dinner="yes")
    first = client.submit(f"/r/{invitation.token}", form)
    second = client.submit(f"/r/{invitation.token}", form)
    assert first.status_code == second.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 2
        assert db.session.scalar(select(func.count()).select_from(ResponseChange)) == 2
        from eventplanner.mail.models import Message

        kinds = db.session.scalars(select(Message.kind).order_by(Message.id)).all()
    assert kinds == ["invitation", "confirmation"], "one confirmation, not two"


def test_the_guest_pages_set_no_cookie_and_log_nobody_in(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    link = f"/r/{invitation.token}"
    for response in (client.get(link), client.submit(link, answer_form(parts)),
                     client.get(link + "?saved=1"), client.get("/r/" + "x" * 43)):
        assert "Set-Cookie" not in response.headers
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/").status_code == 302, "the organiser pages still need a login"


def test_the_guest_page_never_shows_a_stale_copy(
        app, client, event, parts, make_contact, make_invitation, log_in):
    """The page is cached per state; every change a guest would see must show at once."""
    owner = event.owner
    first, second, third = (make_invitation(event, make_contact(owner, name=f"Guest {n}"),
                                            send=True) for n in range(3))
    with app.app_context():
        from eventplanner.events.models import Activity

        db.session.get(Activity, parts["race"]).capacity = 1
        db.session.commit()
    for guest in (first, second, third):
        client.submit(f"/r/{guest.token}", answer_form(parts, race="yes"))
    link = f"/r/{third.token}"
    assert "number 2 in line" in client.get(link).get_data(as_text=True)

    client.submit(f"/r/{first.token}", answer_form(parts, race="no"))  # second moves up
    assert "number 1 in line" in client.get(link).get_data(as_text=True)

    organiser = log_in(owner)
    year = next_year_at(1, 1, 0).year
    organiser.submit(f"/events/{event.id}/activities/{parts['dinner']}/edit", {
        "name": "Dinner at Bryggen", "kind": "standard", "starts_at": f"{year}-10-01T19:30",
        "ends_at": f"{year}-10-01T23:00"})
    page = client.get(link).get_data(as_text=True)
    assert "Dinner at Bryggen" in page and "19:30" in page

    organiser.submit(f"/contacts/{third.contact_id}/edit", {
        "name": "Guest Three Renamed", "email": "renamed@client.example", "language": ""})
    assert "Dear Guest Three Renamed," in client.get(link).get_data(as_text=True)


def test_a_waitlisted_guest_is_emailed_when_a_place_comes_free_and_follows_the_link(
        app, client, event, parts, make_contact, make_invitation, smtp_server, deliver_mail):
    with app.app_context():
        from eventplanner.events.models import Activity

        db.session.get(Activity, parts["race"]).capacity = 1
        db.session.commit()
    first = make_invitation(event, make_contact(event.owner), send=True)
    waiting = make_invitation(event, make_contact(event.owner, email="next@client.example"),
                              send=True)
    client.submit(f"/r/{first.token}", answer_form(parts, race="yes"))
    client.submit(f"/r/{waiting.token}", answer_form(parts, race="yes"))
    client.submit(f"/r/{first.token}", answer_form(parts, race="no"))
    deliver_mail()
    [promoted] = [m for m in smtp_server.to("next@client.example")
                  if m["Subject"] == "A place for you: Stair race"]
    assert "You are now confirmed" in promoted.get_body(("plain",)).get_content()
    page = client.get(personal_link_in(promoted)).get_data(as_text=True)
    assert "Your answer: <strong>Yes</strong>" in page

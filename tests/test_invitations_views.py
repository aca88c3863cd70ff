"""The organiser's side of invitations: inviting, the overview, reminders, export."""

from __future__ import annotations

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from eventplanner.extensions import db
from eventplanner.invitations.models import Invitation
from eventplanner.mail.models import Message
from tests.conftest import activity_ids, next_year_at, personal_link_in


@pytest.fixture
def owner(make_organiser):
    return make_organiser(name="Ingrid Haugen")


@pytest.fixture
def event(owner, make_event, make_activity):
    event = make_event(owner=owner, status="published", title="Stoltzen")
    make_activity(event, name="Stair race", capacity=2)
    make_activity(event, name="Dinner", starts_at=next_year_at(10, 1, 19), kind="standard")
    return event


@pytest.fixture
def organiser_client(log_in, owner):
    return log_in(owner)


def invited_emails(app) -> set[str]:
    with app.app_context():
        return {i.contact.email for i in db.session.scalars(select(Invitation))}


def test_invite_a_whole_company_or_everyone_with_a_tag(app, organiser_client, owner, event,
                                                        make_contact):
    make_contact(owner, email="a@nordlys.example", company_name="Nordlys")
    make_contact(owner, email="b@nordlys.example", company_name="Nordlys")
    make_contact(owner, email="c@hanse.example", company_name="Hanse", tags=("vip",))
    make_contact(owner, email="d@hanse.example", company_name="Hanse")
    with app.app_context():
        from eventplanner.contacts.models import Company

        nordlys = db.session.scalar(select(Company.id).where(Company.name == "Nordlys"))
    response = organiser_client.submit(f"/events/{event.id}/invite", {
        "company_id": str(nordlys), "tag": "vip", "plus_ones_allowed": "1",
        "send_now": "y"})
    assert response.status_code == 302
    assert invited_emails(app) == {"a@nordlys.example", "b@nordlys.example",
                                   "c@hanse.example"}
    again = organiser_client.submit(f"/events/{event.id}/invite", {
        "company_id": str(nordlys), "tag": "", "plus_ones_allowed": "0", "send_now": "y"})
    assert again.status_code == 302
    page = organiser_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "2 were invited already" in page
    with app.app_context():
        assert db.session.query(Message).count() == 3


def test_a_draft_event_can_invite_but_not_send(app, organiser_client, owner, make_event,
                                               make_contact):
    draft = make_event(owner=owner, title="Draft")
    contact = make_contact(owner)
    refused = organiser_client.submit(f"/events/{draft.id}/invite", {
        "contact_ids": str(contact.id), "company_id": "0", "tag": "",
        "plus_ones_allowed": "0", "send_now": "y"})
    assert refused.status_code == 422
    assert "Publish the event before sending invitations" in refused.get_data(as_text=True)
    assert invited_emails(app) == set()
    organiser_client.submit(f"/events/{draft.id}/invite", {
        "contact_ids": str(contact.id), "company_id": "0", "tag": "",
        "plus_ones_allowed": "0"})
    assert invited_emails(app) == {contact.email}


def test_the_overview_counts_answers_and_lists_diets_and_messages(
        app, organiser_client, owner, event, make_contact, make_invitation, client):
    race, dinner = activity_ids(app, event)
    guests = [make_invitation(event, make_contact(owner, name=f"Guest {n}"),
                              plus_ones_allowed=1, send=True) for n in range(4)]
    answers = [("yes", "yes", "Per", "Vegan", "See you!"), ("yes", "no", "", "", ""),
               ("yes", "maybe", "", "", ""), ("no", "no", "", "", "")]
    for guest, (race_answer, dinner_answer, plus_one, diet, note) in zip(guests, answers,
                                                                         strict=True):
        response = client.submit(f"/r/{guest.token}", {
            f"part_{race}": race_answer, f"part_{dinner}": dinner_answer,
            "plus_one_names-0": plus_one, "dietary_needs": diet, "message_to_host": note})
        assert response.status_code == 303
    page = organiser_client.get(f"/events/{event.id}/guests").get_data(as_text=True)
    # Stair race (capacity 2): Guest 0 with a plus-one fills it; Guests 1 and 2 wait.
    assert "<td>Stair race</td>\n        <td>1</td>\n        <td>2 / 2</td>" in page
    assert "Vegan" in page and "party of 2" in page
    assert "See you!" in page
    waitlisted = organiser_client.get(f"/events/{event.id}/guests?stage=answered").get_data(
        as_text=True)
    assert waitlisted.count("On the waitlist") == 2


def test_the_overview_runs_a_fixed_number_of_queries(app, organiser_client, owner, event,
                                                     make_contact, make_invitation):
    def queries_for_overview() -> int:
        statements = []

        def count(*args, **kwargs):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        sqlalchemy_event.listen(engine, "before_cursor_execute", count)
        try:
            assert organiser_client.get(f"/events/{event.id}/guests").status_code == 200
        finally:
            sqlalchemy_event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    make_invitation(event, make_contact(owner), send=True)
    few = queries_for_overview()
    for _ in range(15):
        make_invitation(event, make_contact(owner, company_name="Nordlys"), send=True)
    assert queries_for_overview() == few
    # 12, the count of calendar answers waiting for the organiser, and the event's
    # questions (their answers: one more when it asks any)
    assert few <= 14


def test_answers_export_opens_in_excel(app, organiser_client, owner, event, make_contact,
                                       make_invitation, client):
    race, dinner = activity_ids(app, event)
    guest = make_invitation(event, make_contact(owner, name="Jürgen Weiß"), send=True)
    client.submit(f"/r/{guest.token}", {f"part_{race}": "yes", f"part_{dinner}": "no",
                                        "dietary_needs": "Glutenfrei", "message_to_host": ""})
    response = organiser_client.get(f"/events/{event.id}/guests.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Name,Email,Company,Status,Stair race,Dinner")
    assert lines[1].startswith("Jürgen Weiß,") and ",Yes,No," in lines[1]
    assert "Glutenfrei" in lines[1]


def test_reminders_from_the_overview_reach_the_guest_by_email(
        app, organiser_client, owner, event, make_contact, make_invitation, smtp_server,
        deliver_mail, client):
    make_invitation(event, make_contact(owner, email="silent@client.example"), send=True)
    answered = make_invitation(event, make_contact(owner, email="no@client.example"),
                               send=True)
    race, dinner = activity_ids(app, event)
    client.submit(f"/r/{answered.token}", {f"part_{race}": "no", f"part_{dinner}": "no",
                                           "dietary_needs": "", "message_to_host": ""})
    response = organiser_client.submit(f"/events/{event.id}/guests/remind", {"who": "unanswered"})
    assert response.status_code == 302
    deliver_mail()
    [reminder] = [m for m in smtp_server.messages if m["Subject"].startswith("Reminder")]
    assert "silent@client.example" in reminder["To"]
    assert client.get(personal_link_in(reminder)).status_code == 200
    with app.app_context():
        reminded = db.session.scalar(select(Invitation.last_reminded_at).where(
            Invitation.id == answered.id))
    assert reminded is None, "a guest who said no is never reminded"


def test_the_organiser_sees_a_guests_history(app, organiser_client, owner, event, make_contact,
                                             make_invitation, client):
    race, dinner = activity_ids(app, event)
    guest = make_invitation(event, make_contact(owner), send=True)
    for race_answer in ("yes", "no"):
        client.submit(f"/r/{guest.token}", {f"part_{race}": race_answer,
                                            f"part_{dinner}": "yes",
                                            "dietary_needs": "", "message_to_host": ""})
    page = organiser_client.get(f"/events/{event.id}/guests/{guest.id}").get_data(as_text=True)
    assert "Answer: Stair race" in page
    assert page.count("Answer: Stair race") == 2
    assert f"http://eventplanner.test/r/{guest.token}" in page


def test_the_outbox_shows_only_the_organisers_own_emails(app, log_in, make_organiser,
                                                         owner, event, make_contact,
                                                         make_invitation):
    make_invitation(event, make_contact(owner, name="Visible Guest"), send=True)
    page = log_in(owner).get("/outbox/").get_data(as_text=True)
    assert "Visible Guest" in page and "Invitation: Stoltzen" in page
    other = log_in(make_organiser()).get("/outbox/").get_data(as_text=True)
    assert "Visible Guest" not in other


def answer_part(client, token, race, dinner, race_answer="yes", dinner_answer="no"):
    response = client.submit(f"/r/{token}", {
        f"part_{race}": race_answer, f"part_{dinner}": dinner_answer,
        "dietary_needs": "", "message_to_host": ""})
    assert response.status_code == 303


def part_form(**overrides) -> dict:
    year = next_year_at(1, 1, 0).year
    return {"name": "Stair race", "kind": "timed", "starts_at": f"{year}-10-01T16:00",
            "ends_at": f"{year}-10-01T17:30", "capacity": "2", **overrides}


def test_more_capacity_lets_the_waitlist_in(app, organiser_client, owner, event, make_contact,
                                            make_invitation, client):
    race, dinner = activity_ids(app, event)
    guests = [make_invitation(event, make_contact(owner), send=True) for _ in range(3)]
    for guest in guests:
        answer_part(client, guest.token, race, dinner)
    assert "number 1 in line" in client.get(f"/r/{guests[2].token}").get_data(as_text=True)
    response = organiser_client.submit(f"/events/{event.id}/activities/{race}/edit",
                                       part_form(capacity="3"))
    assert response.status_code == 302
    assert "Your answer: <strong>Yes</strong>" in client.get(
        f"/r/{guests[2].token}").get_data(as_text=True)
    with app.app_context():
        kinds = db.session.scalars(select(Message.kind)).all()
    assert kinds.count("waitlist_promoted") == 1


def test_capacity_cannot_go_below_the_confirmed_places(app, organiser_client, owner, event,
                                                       make_contact, make_invitation, client):
    race, dinner = activity_ids(app, event)
    for _ in range(2):
        answer_part(client, make_invitation(event, make_contact(owner), send=True).token,
                    race, dinner)
    response = organiser_client.submit(f"/events/{event.id}/activities/{race}/edit",
                                       part_form(capacity="1"))
    assert response.status_code == 422
    assert "2 places are already confirmed" in response.get_data(as_text=True)


def test_removing_a_part_with_answers_warns_and_keeps_the_history(
        app, organiser_client, owner, event, make_contact, make_invitation, client):
    race, dinner = activity_ids(app, event)
    guest = make_invitation(event, make_contact(owner), send=True)
    answer_part(client, guest.token, race, dinner)
    question = organiser_client.get(f"/events/{event.id}/activities/{race}/delete").get_data(
        as_text=True)
    assert "1 guest has answered for this part." in question
    organiser_client.submit(f"/events/{event.id}/activities/{race}/delete")
    history = organiser_client.get(f"/events/{event.id}/guests/{guest.id}").get_data(as_text=True)
    assert "Part removed: Stair race" in history
    assert "Answer: Stair race" in history


@pytest.mark.parametrize("form, message", [
    ({"who": "ticked"}, "Tick the guests to remind first."),
    ({"who": "everyone"}, "Not a valid choice."),
    ({}, "Not a valid choice."),
    ({"who": "ticked", "invitation_ids": "the first"}, "could not be coerced"),
])
def test_a_reminder_form_that_does_not_say_whom_is_refused_and_nobody_is_reminded(
        app, log_in, owner, event, make_contact, make_invitation, form, message):
    make_invitation(event, make_contact(owner), send=True)
    response = log_in(owner).submit(f"/events/{event.id}/guests/remind", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "<h1>Guests</h1>" in page, "said on the guests' page"
    with app.app_context():
        assert db.session.scalar(select(Invitation.last_reminded_at)) is None


def test_only_the_ticked_guests_are_reminded(app, log_in, owner, event, make_contact,
                                             make_invitation):
    ticked, other = (make_invitation(event, make_contact(owner), send=True)
                     for _ in range(2))
    response = log_in(owner).submit(f"/events/{event.id}/guests/remind", {
        "who": "ticked", "invitation_ids": str(ticked.id)})
    assert response.status_code == 302
    with app.app_context():
        reminded = dict(db.session.execute(
            select(Invitation.id, Invitation.last_reminded_at)).all())
    assert reminded[ticked.id] is not None and reminded[other.id] is None


def test_the_organiser_sends_the_unsent_invitations_and_resends_one(
        app, organiser_client, owner, event, make_contact, make_invitation):
    first, second = (make_invitation(event, make_contact(owner)) for _ in range(2))

    def invitations_sent() -> dict[int, int]:
        with app.app_context():
            return dict(db.session.execute(
                select(Message.invitation_id, func.count()).where(Message.kind == "invitation")
                .group_by(Message.invitation_id)).all())

    response = organiser_client.submit(f"/events/{event.id}/guests/send", follow_redirects=True)
    assert "2 invitations queued for sending." in response.get_data(as_text=True)
    assert invitations_sent() == {first.id: 1, second.id: 1}
    response = organiser_client.submit(f"/events/{event.id}/guests/{first.id}/resend",
                              follow_redirects=True)
    assert "The invitation is queued for sending." in response.get_data(as_text=True)
    assert invitations_sent() == {first.id: 2, second.id: 1}

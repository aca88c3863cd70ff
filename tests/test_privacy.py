"""Personal data: the organiser exports and erases a contact, a guest sees what is held and
asks to be forgotten, and old answers are anonymised after the retention period, while the
counts and scores stay."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from eventplanner.extensions import db, utcnow
from tests.conftest import activity_ids


@pytest.fixture
def history(app, make_organiser, make_event, make_activity, make_contact, make_guest_who_came,
            smtp_server):
    """Kari came to last year's race, gave a 4 with a comment, and has a note about her."""
    from eventplanner.feedback.relationships import add_note
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result, set_goal
    from eventplanner.invitations.models import Invitation

    owner = make_organiser(name="Ingrid")
    event = make_event(owner=owner, status="published", title="Stoltzen",
                       host_email="ingrid@example.com", host_name="Ingrid")
    start = datetime(utcnow().year - 1, 9, 5, 16)
    make_activity(event, name="Stair race", starts_at=start, ends_at=start + timedelta(hours=1))
    kari = make_contact(owner, name="Kari Nordmann", email="kari@client.example",
                        phone="+47 999", dietary_notes="Vegetarian", company_name="Nordlys",
                        tags=("vip",))
    invitation = make_guest_who_came(event, kari, score=4, do_better="Cold soup")
    with app.app_context():
        live = db.session.get(Invitation, invitation.id)
        live.dietary_needs, live.plus_one_names = "No nuts", ["Per Hansen"]
        live.message_to_host = "See you there, Kari"
        race = live.event.activities[0]
        set_goal(live, race, "9:30", "", "beat Per")
        record_result(race, live, ResultStatus.FINISHED, "9:41")
        add_note("Has a dog called Rex", start.date(), contact=live.contact)
        db.session.commit()
    return owner, event, kari, invitation


def everything_stored_about(app, invitation_id: int) -> str:
    """Every text column of every row that belongs to the invitation or its contact."""
    from eventplanner.contacts.models import Contact
    from eventplanner.feedback.models import Feedback, Note
    from eventplanner.goals.models import Goal
    from eventplanner.invitations.models import Invitation, ResponseChange
    from eventplanner.mail.models import Message

    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        rows = [invitation, db.session.get(Contact, invitation.contact_id)]
        for model, column in ((ResponseChange, ResponseChange.invitation_id),
                              (Feedback, Feedback.invitation_id), (Goal, Goal.invitation_id),
                              (Message, Message.invitation_id)):
            rows += list(db.session.scalars(select(model).where(column == invitation_id)))
        rows += list(db.session.scalars(select(Note).where(
            Note.contact_id == invitation.contact_id)))
        return " ".join(str(getattr(row, column.key)) for row in rows
                        for column in row.__table__.columns)


def test_the_organiser_downloads_everything_held_about_a_contact(app, history, log_in):
    owner, event, kari, invitation = history
    response = log_in(owner).get(f"/contacts/{kari.id}/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="contact-{kari.id}.json"')
    data = json.loads(response.get_data(as_text=True))
    assert data["contact"]["email"] == "kari@client.example"
    assert data["contact"]["tags"] == ["vip"]
    assert data["notes"] == [{"date": f"{utcnow().year - 1}-09-05",
                              "text": "Has a dog called Rex"}]
    [visit] = data["invitations"]
    assert visit["answers"] == {"Stair race": "yes"}
    assert visit["plus_one_names"] == ["Per Hansen"]
    assert visit["goals"][0]["aim"] == "beat Per"
    assert visit["results"] == [{"part": "Stair race", "status": "finished",
                                 "time_seconds": 581}]
    assert visit["feedback"]["score"] == 4 and visit["feedback"]["do_better"] == "Cold soup"


def test_erasing_a_contact_removes_the_person_and_keeps_the_figures(app, history, log_in):
    from eventplanner.feedback.services import feedback_results

    owner, event, kari, invitation = history
    organiser = log_in(owner)
    with app.app_context():
        from eventplanner.events.models import Event
        before = feedback_results(db.session.get(Event, event.id)).nps
    page = organiser.get(f"/contacts/{kari.id}/erase").get_data(as_text=True)
    assert "Erase Kari Nordmann?" in page
    response = organiser.submit(f"/contacts/{kari.id}/erase")
    assert response.status_code == 302

    stored = everything_stored_about(app, invitation.id)
    for personal in ("Kari", "kari@client.example", "+47 999", "Vegetarian", "No nuts",
                     "Per Hansen", "See you there", "Cold soup", "beat Per", "Rex"):
        assert personal not in stored, personal
    with app.app_context():
        after = feedback_results(db.session.get(Event, event.id)).nps
    assert after == before and after.detractors == 1  # the score still counts
    assert "Kari" not in organiser.get("/contacts/").get_data(as_text=True)
    assert organiser.get(f"/r/{invitation.token}").status_code == 404  # the link is dead
    again = organiser.submit(f"/contacts/{kari.id}/erase")  # a double submit
    assert again.status_code == 409
    assert "This contact has been erased already." in again.get_data(as_text=True)


def test_a_guest_sees_what_is_held_and_asks_to_be_forgotten(
        app, client, history, deliver_mail, smtp_server):
    from eventplanner.contacts.models import Contact

    owner, event, kari, invitation = history
    page = client.get(f"/r/{invitation.token}/privacy").get_data(as_text=True)
    assert "What we hold about you" in page
    for shown in ("kari@client.example", "Has a dog called Rex", "Per Hansen", "Cold soup"):
        assert shown in page
    download = client.get(f"/r/{invitation.token}/privacy.json")
    assert json.loads(download.get_data(as_text=True))["contact"]["name"] == "Kari Nordmann"
    assert download.headers["Referrer-Policy"] == "no-referrer"

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/r/{invitation.token}/privacy",
                       data={"csrf_token": "forged"}).status_code == 400
    for _ in range(2):  # a double submit asks once
        response = client.post(f"/r/{invitation.token}/privacy", data={"csrf_token": token})
        assert response.status_code == 303
    assert "Your request reached the host" in client.get(
        f"/r/{invitation.token}/privacy").get_data(as_text=True)
    deliver_mail()
    [email] = smtp_server.to("ingrid@example.com")
    assert email["Subject"] == "A guest of Stoltzen asks to be forgotten"
    assert "Kari Nordmann (kari@client.example) has asked" in email.get_body(
        ("plain",)).get_content()
    with app.app_context():
        assert db.session.get(Contact, kari.id).erasure_requested_at is not None


def feedback_export(app, log_in, owner, event) -> str:
    return log_in(owner).get(f"/events/{event.id}/feedback.csv").get_data(as_text=True)


def test_the_retention_purge_erases_old_events_guests_but_not_the_figures(
        app, history, make_event, make_activity, make_contact, make_guest_who_came, log_in):
    """As the README says: the guests of old events are erased as erasure does (it used
    to remove the free text only, and keep names and emails beside scores and times)."""
    from eventplanner.contacts.models import Contact
    from eventplanner.feedback.models import Feedback
    from eventplanner.invitations.models import Invitation

    owner, event, kari, invitation = history
    recent = make_event(owner=owner, status="published")
    start = (utcnow() - timedelta(days=10)).replace(tzinfo=None)
    make_activity(recent, starts_at=start, ends_at=start + timedelta(hours=1))
    fresh = make_guest_who_came(recent, make_contact(owner), score=9, did_well="Great view")

    runner = app.test_cli_runner()
    assert "Set RETENTION_DAYS" in runner.invoke(args=["privacy", "purge"]).output
    result = runner.invoke(args=["privacy", "purge", "--days", "180"])
    assert result.exit_code == 0 and "from 1 invitations" in result.output
    assert "from 0 invitations" in runner.invoke(args=["privacy", "purge", "--days", "180"]).output
    stored = everything_stored_about(app, invitation.id)
    for personal in ("Kari", "kari@client.example", "+47 999", "Vegetarian", "No nuts",
                     "Per Hansen", "See you there", "Cold soup", "beat Per", "Rex"):
        assert personal not in stored, personal
    with app.app_context():
        assert db.session.scalar(select(Feedback.score).where(
            Feedback.invitation_id == invitation.id)) == 4
        assert db.session.scalar(select(Feedback.did_well).where(
            Feedback.invitation_id == fresh.id)) == "Great view"
        assert db.session.get(Invitation, fresh.id).contact.name.startswith("Guest")
        stand_in = db.session.get(Invitation, invitation.id).contact
        assert (stand_in.name, stand_in.erased_at is not None) == ("Erased contact", True)
        assert stand_in.company.name == "Nordlys", "company figures still add up"
        kari_now = db.session.get(Contact, kari.id)
        assert (kari_now.name, kari_now.erased_at) == ("Kari Nordmann", None), \
            "the address book keeps her; the old event no longer names her"
    results = feedback_export(app, log_in, owner, event)
    assert "Kari" not in results and "kari@" not in results
    assert ",4,Detractor," in results


def test_another_organisers_contact_cannot_be_exported_or_erased(app, history, log_in,
                                                                  make_organiser):
    owner, event, kari, invitation = history
    intruder = log_in(make_organiser())
    assert intruder.get(f"/contacts/{kari.id}/data.json").status_code == 404
    assert intruder.submit(f"/contacts/{kari.id}/erase").status_code == 404
    assert "Kari" in everything_stored_about(app, invitation.id)


def test_race_results_still_rank_after_an_erasure(app, history, log_in):
    from eventplanner.events.models import Activity
    from eventplanner.goals.services import GUESTS, standings

    owner, event, kari, invitation = history
    log_in(owner).submit(f"/contacts/{kari.id}/erase")
    race, = activity_ids(app, event)
    with app.app_context():
        [line] = standings(db.session.get(Activity, race), GUESTS)
        assert line.result.time_seconds == 581 and line.rank == 1


def test_erasure_takes_the_guest_out_of_the_outbox_and_their_own_export(
        app, client, history, deliver_mail, smtp_server, log_in):
    owner, event, kari, invitation = history
    page = client.get(f"/r/{invitation.token}/privacy").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(f"/r/{invitation.token}/privacy", data={"csrf_token": token})
    deliver_mail()
    organiser = log_in(owner)
    assert organiser.submit(f"/contacts/{kari.id}/erase").status_code == 302

    from eventplanner.mail.models import Message

    with app.app_context():
        message_ids = list(db.session.scalars(select(Message.id)))
    pages = [organiser.get("/outbox/").get_data(as_text=True),
             organiser.get(f"/contacts/{kari.id}/data.json").get_data(as_text=True)]
    pages += [organiser.get(f"/outbox/{message_id}").get_data(as_text=True)
              for message_id in message_ids]
    assert "asks to be forgotten" in pages[0]
    for page in pages:
        assert "Kari" not in page and "kari@client.example" not in page


@pytest.mark.parametrize("forget", ["erasure", "purge"])
def test_forgetting_a_guest_keeps_when_they_gave_feedback(app, history, log_in, forget):
    """The feedback's "answered" time is a figure: 09:59 stayed 09:59 (it became the time
    of the erasure)."""
    import time_machine

    from eventplanner.feedback.models import Feedback

    owner, event, kari, invitation = history

    def answered() -> datetime:
        with app.app_context():
            return db.session.scalar(select(Feedback.updated_at))

    before, export = answered(), feedback_export(app, log_in, owner, event)
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        if forget == "erasure":
            assert log_in(owner).submit(f"/contacts/{kari.id}/erase").status_code == 302
        else:
            app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "180"])
    assert answered() == before
    assert feedback_export(app, log_in, owner, event).splitlines()[1].split(",")[-1] == \
        export.splitlines()[1].split(",")[-1]

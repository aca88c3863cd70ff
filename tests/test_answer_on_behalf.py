"""An organiser enters a guest's answer for them: the guest's own rules (capacity, waitlist),
"the organiser" in the guest's history, and the organiser's name in the audit trail."""

from __future__ import annotations

from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.extensions import db
from eventplanner.invitations.models import AnswerStatus, Invitation, ResponseChange
from eventplanner.mail.models import Message


def test_the_organiser_answers_yes_for_a_guest_who_phoned(
        app, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid, status="published")
    race, dinner = make_activity(event, name="Stair race"), make_activity(
        event, name="Dinner", kind="standard")
    invitation = make_invitation(event, make_contact(ingrid, name="Kari Nordmann"))
    browser = log_in(ingrid)
    page = browser.get(f"/events/{event.id}/guests/{invitation.id}").get_data(as_text=True)
    assert "Answer for Kari Nordmann" in page
    with app.app_context():
        mails = db.session.query(Message).count()
    response = browser.submit(f"/events/{event.id}/guests/{invitation.id}/answer",
                              {f"part-{race.id}": "yes", f"part-{dinner.id}": "no"})
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.get(Invitation, invitation.id)
        assert {r.activity_id: r.status for r in stored.responses} == {
            race.id: AnswerStatus.YES, dinner.id: AnswerStatus.NO}
        assert {change.changed_by for change in db.session.scalars(select(ResponseChange).where(
            ResponseChange.invitation_id == invitation.id))} == {"organiser"}
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "answer.on_behalf")).one()
        assert (entry.actor_name, entry.contact_id) == ("Ingrid Haugen", invitation.contact_id)
        assert entry.details == {"Stair race": [None, "yes"], "Dinner": [None, "no"]}
        assert db.session.query(Message).count() == mails, "the guest is not emailed"


def test_a_yes_for_a_full_part_puts_the_guest_on_the_waitlist(
        app, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    from eventplanner.extensions import utcnow
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation

    owner = make_organiser()
    event = make_event(owner, status="published")
    dinner = make_activity(event, name="Dinner", kind="standard", capacity=1)
    first = make_invitation(event, make_contact(owner))
    second = make_invitation(event, make_contact(owner))
    with app.app_context():
        respond_to_invitation(db.session.get(Invitation, first.id),
                              GuestAnswer({dinner.id: AnswerStatus.YES}), utcnow())
        db.session.commit()
    log_in(owner).submit(f"/events/{event.id}/guests/{second.id}/answer",
                         {f"part-{dinner.id}": "yes"})
    with app.app_context():
        [response] = db.session.get(Invitation, second.id).responses
        assert response.status is AnswerStatus.WAITLISTED


def test_a_viewer_cannot_answer_for_a_guest_and_an_unknown_answer_changes_nothing(
        app, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    from eventplanner.auth.models import Membership, Role

    owner = make_organiser()
    event = make_event(owner, status="published")
    race = make_activity(event)
    invitation = make_invitation(event, make_contact(owner))
    viewer = make_organiser()
    with app.app_context():
        db.session.add(Membership(workspace_id=event.workspace_id, organiser_id=viewer.id,
                                  role=Role.VIEWER))
        db.session.commit()
        workspace_id = event.workspace_id
    reader = log_in(viewer)
    with reader.session_transaction() as session:
        session["workspace"] = workspace_id
    url = f"/events/{event.id}/guests/{invitation.id}/answer"
    assert "Answer for" not in reader.get(
        f"/events/{event.id}/guests/{invitation.id}").get_data(as_text=True)
    assert reader.submit(url, {f"part-{race.id}": "yes"}).status_code == 403
    response = log_in(owner).submit(url, {f"part-{race.id}": "certainly"},
                                    follow_redirects=True)
    assert "Choose yes, no or maybe for a part." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).responses == []

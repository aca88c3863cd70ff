"""The audit trail: who changed an event, a part's capacity, results, and who downloaded
guests' personal data, written in the same transaction as the change itself."""

from __future__ import annotations

from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.extensions import db
from tests.conftest import next_year_at
from tests.test_events_views import activity_form, event_form

NEXT_YEAR = next_year_at(1, 1, 0).year


def entries(app) -> list[tuple]:
    with app.app_context():
        return [(entry.action, entry.actor_name, entry.event_id, entry.details)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_event_edit_is_kept_with_who_and_old_to_new(app, make_organiser, log_in,
                                                        make_event):
    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid, title="Client race")
    before = entries(app)
    response = log_in(ingrid).submit(f"/events/{event.id}/edit", event_form(
        title="Stoltzen race", rsvp_deadline="", default_language="en", host_name="",
        host_email="", host_phone="", status="draft", description=""))
    assert response.status_code == 302
    [(action, actor, event_id, details)] = entries(app)[len(before):]
    assert (action, actor, event_id) == ("event.changed", "Ingrid Haugen", event.id)
    assert details == {"title": ["Client race", "Stoltzen race"]}


def test_a_capacity_change_names_the_part_and_both_numbers(app, make_organiser, log_in,
                                                           make_event, make_activity):
    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid)
    race = make_activity(event, name="Stair race", kind="timed", capacity=40,
                         starts_at=next_year_at(10, 1, 16),
                         ends_at=next_year_at(10, 1, 17, 30))
    before = entries(app)
    response = log_in(ingrid).submit(f"/events/{event.id}/activities/{race.id}/edit",
                                     activity_form(capacity="50", place_name="",
                                                   address="", map_url="", notes=""))
    assert response.status_code == 302
    [(action, actor, _, details)] = entries(app)[len(before):]
    assert (action, actor) == ("part.changed", "Ingrid Haugen")
    assert details["part"] == "Stair race"
    assert details["capacity"] == [40, 50]


def test_a_refused_edit_leaves_no_line_in_the_trail(app, make_organiser, log_in, make_event):
    ingrid = make_organiser()
    event = make_event(ingrid)
    before = entries(app)
    response = log_in(ingrid).submit(f"/events/{event.id}/edit",
                                     event_form(title="", timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert entries(app) == before


def test_downloading_the_guest_list_is_noted(app, make_organiser, log_in, make_event):
    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid)
    browser = log_in(ingrid)
    assert browser.get(f"/events/{event.id}/guests.csv").status_code == 200
    assert browser.get(f"/events/{event.id}/feedback.csv").status_code == 200
    assert [(action, actor) for action, actor, *_ in entries(app)][-2:] == [
        ("guests.exported", "Ingrid Haugen"), ("feedback.exported", "Ingrid Haugen")]


def test_results_saved_and_published_are_noted(app, make_organiser, log_in, make_event,
                                               make_activity, make_contact, make_invitation):
    from eventplanner.extensions import utcnow
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid, status="published")
    race = make_activity(event)
    invitation = make_invitation(event, make_contact(ingrid))
    with app.app_context():
        respond_to_invitation(db.session.get(Invitation, invitation.id),
                              GuestAnswer({race.id: AnswerStatus.YES}), utcnow(),
                              changed_by="guest")
        db.session.commit()
    browser = log_in(ingrid)
    response = browser.submit(f"/events/{event.id}/parts/{race.id}/results",
                              {f"time-{invitation.id}": "45:00"})
    assert response.status_code == 303
    response = browser.submit(f"/events/{event.id}/results/publish",
                              {"show_names": "y", "activity_id": race.id})
    assert response.status_code == 302
    assert [(action, details) for action, _, _, details in entries(app)][-2:] == [
        ("results.entered", {"part": "Stair race", "saved": 1}),
        ("results.published", {"names shown": True})]


def test_a_viewer_sees_the_event_without_the_buttons_that_change_it(app, make_organiser,
                                                                    log_in, make_event,
                                                                    make_activity):
    from eventplanner.auth.models import Membership, Role

    owner = make_organiser()
    event = make_event(owner, status="published")
    race = make_activity(event)
    viewer = make_organiser(name="Vera Viewer")
    with app.app_context():
        workspace_id = event.workspace_id
        db.session.add(Membership(workspace_id=workspace_id, organiser_id=viewer.id,
                                  role=Role.VIEWER))
        db.session.commit()
    browser = log_in(viewer)
    with browser.session_transaction() as session:
        session["workspace"] = workspace_id
    pages = {url: browser.get(url) for url in (
        f"/events/{event.id}", f"/events/{event.id}/guests",
        f"/events/{event.id}/parts/{race.id}/results", "/")}
    assert {url: response.status_code for url, response in pages.items()} == {
        url: 200 for url in pages}
    event_page = pages[f"/events/{event.id}"].get_data(as_text=True)
    assert "Client race" in event_page
    assert f"/events/{event.id}/edit" not in event_page
    assert f"/events/{event.id}/activities/new" not in event_page
    assert "/invite" not in pages[f"/events/{event.id}/guests"].get_data(as_text=True)
    assert "/results/publish" not in pages[
        f"/events/{event.id}/parts/{race.id}/results"].get_data(as_text=True)
    assert "/events/new" not in pages["/"].get_data(as_text=True)
    assert browser.get(f"/events/{event.id}/edit").status_code == 403


def test_the_trail_reads_in_the_readers_language(app, make_organiser, log_in, make_event):
    from eventplanner.auth.models import Organiser
    from eventplanner.auth.services import update_profile

    ingrid = make_organiser(name="Ingrid Haugen")
    make_event(ingrid, title="Client race")
    browser = log_in(ingrid)
    assert browser.get(f"/events/{make_event(ingrid).id}/guests.csv").status_code == 200
    with app.app_context():
        update_profile(db.session.get(Organiser, ingrid.id), "Ingrid Haugen", "nb")
        db.session.commit()
    page = browser.get("/team/audit").get_data(as_text=True)
    assert "Tittel: Client race" in page and "Rader: 0" in page


def test_every_action_the_code_records_has_a_label_in_every_language():
    """An action written by ``record(..., "area.action", ...)`` (or an export's
    ``record_export``) is named on the trail page in the reader's words."""
    import re
    from pathlib import Path

    from eventplanner.audit.labels import ACTION_LABELS

    package = Path(__file__).resolve().parent.parent / "eventplanner"
    written = set()
    for source in package.rglob("*.py"):
        text = source.read_text()
        written |= set(re.findall(r'record(?:_export)?\([^)]*?"([a-z_]+\.[a-z_]+)"', text,
                                  re.S))
    assert written, "the search finds the actions"
    assert sorted(written - set(ACTION_LABELS)) == []

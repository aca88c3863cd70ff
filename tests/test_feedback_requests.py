"""Asking for feedback: the organiser's list, scheduled requests and reminders through
``flask mail send-due`` on a frozen clock, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from eventplanner.extensions import db
from eventplanner.timezones import local_to_utc
from tests.conftest import activity_ids, next_year_at

RACE_STARTS = next_year_at(10, 1, 16)          # Friday 1 October, 16:00 in Oslo
DINNER_ENDS = next_year_at(10, 1, 23)


def oslo(wall_clock: datetime) -> datetime:
    return local_to_utc(wall_clock, "Europe/Oslo")


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    event = make_event(owner=make_organiser(), status="published", title="Stoltzen",
                       feedback_request_days_after=1, feedback_reminder_days=3)
    make_activity(event, name="Stair race", starts_at=RACE_STARTS,
                  ends_at=RACE_STARTS + timedelta(hours=1))
    make_activity(event, name="Dinner", kind="standard", starts_at=next_year_at(10, 1, 19),
                  ends_at=DINNER_ENDS)
    return event


@pytest.fixture
def guests(app, event, make_contact, make_invitation):
    """Ada and Bo came to the race; Cy said no to everything; Di never answered."""
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    race, dinner = activity_ids(app, event)
    answers = {"Ada": AnswerStatus.YES, "Bo": AnswerStatus.YES, "Cy": AnswerStatus.NO,
               "Di": None}
    invited = {}
    for name, answer in answers.items():
        invitation = make_invitation(event, make_contact(event.owner, name=name), send=True)
        invited[name] = invitation
        if answer is None:
            continue
        with app.app_context():
            live = db.session.get(Invitation, invitation.id)
            respond_to_invitation(live, GuestAnswer({race: answer, dinner: AnswerStatus.NO}),
                                  live.sent_at, changed_by="organiser")
            db.session.commit()
    return invited


def send_due(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def queued(app, kind: str) -> list[str]:
    from eventplanner.mail.models import Message

    with app.app_context():
        return sorted(db.session.scalars(select(Message.recipient_name).where(
            Message.kind == kind)))


def test_send_due_asks_those_who_came_the_morning_after_and_reminds_once(app, event, guests):
    from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
    from eventplanner.invitations.models import Invitation

    with time_machine.travel(oslo(DINNER_ENDS + timedelta(minutes=5)), tick=False):
        assert send_due(app) == ("queued 0 reminders, 0 briefings, 0 feedback requests, "
                                 "0 feedback reminders")
    morning = oslo(DINNER_ENDS.replace(hour=9) + timedelta(days=1))
    with time_machine.travel(morning - timedelta(minutes=1), tick=False):
        assert "0 feedback requests" in send_due(app)
    with time_machine.travel(morning, tick=False):
        assert "2 feedback requests" in send_due(app)
        assert "0 feedback requests" in send_due(app)  # nobody is asked twice
    assert queued(app, "feedback_request") == ["Ada", "Bo"]

    with time_machine.travel(morning + timedelta(days=1), tick=False), app.app_context():
        submit_feedback(db.session.get(Invitation, guests["Ada"].id), FeedbackAnswer(score=9),
                        morning + timedelta(days=1))
        db.session.commit()
    with time_machine.travel(morning + timedelta(days=3) - timedelta(minutes=1), tick=False):
        assert send_due(app).endswith("0 feedback reminders")
    with time_machine.travel(morning + timedelta(days=3), tick=False):
        assert send_due(app).endswith("1 feedback reminders")
        assert send_due(app).endswith("0 feedback reminders")
    assert queued(app, "feedback_reminder") == ["Bo"]


def test_nothing_is_sent_for_a_cancelled_event_or_once_feedback_has_closed(app, event, guests):
    from eventplanner.events.models import Event, EventStatus

    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=15)), tick=False):
        assert "0 feedback requests" in send_due(app)
    with app.app_context():
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=2)), tick=False):
        assert "0 feedback requests" in send_due(app)
    assert queued(app, "feedback_request") == []


def test_a_reminder_that_would_fall_after_the_window_is_not_sent(app, event, guests):
    from eventplanner.events.models import Event

    with app.app_context():
        db.session.get(Event, event.id).feedback_request_days_after = 7
        db.session.get(Event, event.id).feedback_reminder_days = 13
        db.session.commit()
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=7, hours=10)), tick=False):
        assert "2 feedback requests" in send_due(app)
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=13, hours=23)), tick=False):
        assert send_due(app).endswith("0 feedback reminders")
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=20, hours=10)), tick=False):
        assert send_due(app).endswith("0 feedback reminders")
    assert queued(app, "feedback_reminder") == []


def test_the_organiser_adjusts_the_list_and_the_schedule_follows_it(app, event, guests, log_in):
    from eventplanner.invitations.models import Invitation

    with time_machine.travel(oslo(DINNER_ENDS + timedelta(minutes=30)), tick=False):
        organiser = log_in(event.owner)
        page = organiser.get(f"/events/{event.id}/feedback").get_data(as_text=True)
        assert f'value="{guests["Ada"].id}" id="ask-{guests["Ada"].id}" checked' in page
        assert f'value="{guests["Cy"].id}" id="ask-{guests["Cy"].id}">' in page
        assert "Requests go out automatically on" in page
        # Bo is left out; Cy said no but came after all.
        response = organiser.submit(f"/events/{event.id}/feedback/request", {
            "invitation": [guests["Ada"].id, guests["Cy"].id], "action": "save"})
        assert response.status_code == 302
        assert "The list is saved." in organiser.get(response.headers["Location"]).get_data(
            as_text=True)
    with app.app_context():
        wanted = dict(db.session.execute(select(Invitation.id, Invitation.feedback_wanted)).all())
    assert wanted == {guests["Ada"].id: None, guests["Bo"].id: False, guests["Cy"].id: True,
                      guests["Di"].id: None}
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=1, hours=10)), tick=False):
        assert "2 feedback requests" in send_due(app)
    assert queued(app, "feedback_request") == ["Ada", "Cy"]


def test_asking_the_ticked_now_queues_at_once_and_only_while_feedback_is_open(
        app, event, guests, log_in):
    with time_machine.travel(oslo(DINNER_ENDS - timedelta(hours=1)), tick=False):
        organiser = log_in(event.owner)
        response = organiser.submit(f"/events/{event.id}/feedback/request", {
            "invitation": [guests["Di"].id], "action": "ask"})
        assert "Feedback opens when the event has ended." in organiser.get(
            response.headers["Location"]).get_data(as_text=True)
    assert queued(app, "feedback_request") == []
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(hours=1)), tick=False):
        organiser = log_in(event.owner)
        response = organiser.submit(f"/events/{event.id}/feedback/request", {
            "invitation": [guests["Di"].id], "action": "ask"})
        assert "1 feedback request queued." in organiser.get(
            response.headers["Location"]).get_data(as_text=True)
    assert queued(app, "feedback_request") == ["Di"]


def test_the_schedule_is_set_on_the_event_form(app, event, log_in):
    from eventplanner.events.models import Event

    organiser = log_in(event.owner)
    response = organiser.submit(f"/events/{event.id}/edit", {
        "title": "Stoltzen", "timezone": "Europe/Oslo", "default_language": "en",
        "status": "published", "feedback_request_days_after": "2",
        "feedback_reminder_days": "14"})
    assert response.status_code == 422
    assert "between 1 and 13" in response.get_data(as_text=True)
    response = organiser.submit(f"/events/{event.id}/edit", {
        "title": "Stoltzen", "timezone": "Europe/Oslo", "default_language": "en",
        "status": "published", "feedback_request_days_after": "2",
        "feedback_reminder_days": "4"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Event, event.id)
        assert (saved.feedback_request_days_after, saved.feedback_reminder_days) == (2, 4)


def test_feedback_downloads_as_csv_with_each_part_and_the_group(app, event, guests, log_in,
                                                                 make_organiser):
    from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
    from eventplanner.invitations.models import Invitation

    race, _dinner = activity_ids(app, event)
    with time_machine.travel(oslo(DINNER_ENDS + timedelta(days=1)), tick=False), \
            app.app_context():
        submit_feedback(db.session.get(Invitation, guests["Ada"].id),
                        FeedbackAnswer(score=6, ratings={race: 4}, do_better="Warmer soup; "
                                       "more \"chairs\"", invite_again=True),
                        oslo(DINNER_ENDS + timedelta(days=1)))
        db.session.commit()
    response = log_in(event.owner).get(f"/events/{event.id}/feedback.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="feedback-{event.id}.csv"')
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(body[1:])))
    assert header[:5] == ["Name", "Email", "Company", "Score (0-10)", "Group"]
    assert header[5:7] == ["Rating: Stair race", "Rating: Dinner"]
    assert row[0] == "Ada" and row[3:7] == ["6", "Detractor", "4", ""]
    assert 'Warmer soup; more "chairs"' in row and "Yes" in row
    assert log_in(make_organiser()).get(f"/events/{event.id}/feedback.csv").status_code == 404

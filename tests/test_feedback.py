"""Feedback after the event, through the guest's link."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from eventplanner.extensions import db, utcnow
from eventplanner.feedback.models import Feedback
from eventplanner.timezones import wall_clock
from tests.conftest import activity_ids


def oslo_days_ago(days: float) -> datetime:
    return wall_clock(utcnow() - timedelta(days=days), "Europe/Oslo").replace(
        second=0, microsecond=0)


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    event = make_event(owner=make_organiser(), status="published", title="Stoltzen",
                       feedback_question="What should we serve next time?")
    start = oslo_days_ago(2)
    make_activity(event, name="Stair race", starts_at=start, ends_at=start + timedelta(hours=1))
    make_activity(event, name="Dinner", kind="standard", starts_at=start + timedelta(hours=3),
                  ends_at=start + timedelta(hours=6))
    return event


@pytest.fixture
def guest(app, event, make_contact, make_invitation):
    """A guest who came to the race but not to dinner."""
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    invitation = make_invitation(event, make_contact(event.owner), send=True)
    race, dinner = activity_ids(app, event)
    with app.app_context():
        live = db.session.get(Invitation, invitation.id)
        live.event.rsvp_deadline = None
        respond_to_invitation(live, GuestAnswer({race: AnswerStatus.YES,
                                                 dinner: AnswerStatus.NO}), utcnow(),
                              changed_by="organiser")
        db.session.commit()
    return invitation


def form_token(client, token):
    page = client.get(f"/r/{token}/feedback").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def send(client, token, **fields):
    return client.post(f"/r/{token}/feedback",
                       data={"csrf_token": form_token(client, token), **fields})


def test_a_guest_gives_feedback_and_can_change_it(app, client, event, guest):
    race, dinner = activity_ids(app, event)
    page = client.get(f"/r/{guest.token}/feedback").get_data(as_text=True)
    assert "How likely are you to recommend us to a colleague?" in page
    assert "Your rating: Stair race" in page and "Your rating: Dinner" not in page
    assert "What should we serve next time?" in page
    response = send(client, guest.token, score="9", **{f"rating_{race}": "5"},
                    did_well="The view from Fløyen", do_better="More coffee",
                    invite_again="yes", custom_answer="Fish soup")
    assert response.status_code == 303
    assert "Thank you! Your feedback is saved." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    send(client, guest.token, score="10", **{f"rating_{race}": "4"})
    with app.app_context():
        feedback = db.session.scalar(select(Feedback))
        assert feedback.score == 10
        assert [(r.activity_id, r.rating) for r in feedback.ratings] == [(race, 4)]


@pytest.mark.parametrize("fields, message", [
    ({"score": "11"}, "Not a valid choice"),
    ({"score": "x"}, "Not a valid choice"),
    ({}, "Choose a number from 0 to 10."),
])
def test_a_bad_score_is_refused(app, client, event, guest, fields, message):
    response = send(client, guest.token, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Feedback)) is None


def test_a_rating_for_a_part_not_attended_is_refused(app, client, event, guest):
    race, dinner = activity_ids(app, event)
    response = send(client, guest.token, score="8", **{f"rating_{dinner}": "5"})
    assert response.status_code == 422
    assert "You can only rate the parts you came to." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Feedback)) is None


def test_feedback_is_refused_before_the_end_and_after_fourteen_days(app, client, event,
                                                                    guest):
    from eventplanner.events.models import Activity

    def move_parts(by: timedelta) -> None:
        with app.app_context():
            for activity in db.session.scalars(select(Activity)):
                activity.starts_at += by
                activity.ends_at += by
            db.session.commit()

    token = form_token(client, guest.token)
    move_parts(timedelta(days=5))  # the event is now in three days
    early = client.post(f"/r/{guest.token}/feedback", data={"csrf_token": token,
                                                            "score": "9"})
    assert early.status_code == 409
    assert "Feedback opens when the event has ended." in early.get_data(as_text=True)
    move_parts(timedelta(days=-20))  # ended 15 days ago
    late = client.post(f"/r/{guest.token}/feedback", data={"csrf_token": token,
                                                           "score": "9"})
    assert late.status_code == 409
    assert "it was open for 14 days" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Feedback)) is None


def test_a_revoked_link_gives_no_feedback_form(app, client, event, guest, log_in):
    log_in(event.owner).submit(f"/events/{event.id}/guests/{guest.id}/revoke")
    assert client.get(f"/r/{guest.token}/feedback").status_code == 404


def test_feedback_requests_go_to_those_who_came_once(app_ctx, event, guest, make_contact,
                                                     make_invitation, smtp_server):
    from eventplanner.events.models import Event
    from eventplanner.feedback.services import request_feedback
    from eventplanner.mail.delivery import deliver_queued
    from eventplanner.mail.models import Message

    make_invitation(event, make_contact(event.owner), send=True)  # never answered
    live = db.session.get(Event, event.id)
    assert request_feedback(live, utcnow()) == 1
    assert request_feedback(live, utcnow()) == 0
    db.session.commit()
    deliver_queued()  # written by the worker, just before it is sent
    [message] = db.session.scalars(select(Message).where(
        Message.kind == "feedback_request")).all()
    assert f"/r/{guest.token}/feedback" in message.body_text


def test_the_organiser_reads_the_score_the_spread_and_the_comments(
        app, client, event, guest, log_in, make_contact, make_invitation):
    race, _dinner = activity_ids(app, event)
    send(client, guest.token, score="10", **{f"rating_{race}": "4"},
         did_well="Great view")
    organiser = log_in(event.owner)
    page = organiser.get(f"/events/{event.id}/feedback").get_data(as_text=True)
    assert "<strong>100</strong>NPS" in page
    assert "<strong>1 / 1</strong>answered" in page
    assert "Great view" in page and "<strong>4.0</strong>" in page
    assert "<svg" in page
    assert organiser.submit(f"/events/{event.id}/feedback/request").status_code == 302


def test_no_feedback_gives_no_score_rather_than_zero(app, event, guest, log_in):
    page = log_in(event.owner).get(f"/events/{event.id}/feedback").get_data(as_text=True)
    assert "<strong>–</strong>NPS" in page and "No feedback yet." in page


def table_rows(page: str, heading: str) -> list[list[str]]:
    """The cells' text of the table after ``heading``, a list per body row."""
    section = page.split(heading, 1)[1].split("</table>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_earlier_editions_stand_side_by_side_with_their_nps(
        app, make_organiser, make_event, make_activity, make_contact, make_guest_who_came,
        log_in):
    owner = make_organiser()
    editions = []
    for years_ago, scores in ((2, [10, 3]), (1, [9, 9, 7])):
        edition = make_event(owner=owner, status="published", series_name="Stoltzen",
                             title=f"Stoltzen {utcnow().year - years_ago}")
        start = datetime(utcnow().year - years_ago, 9, 5, 16)
        make_activity(edition, name="Stair race", starts_at=start,
                      ends_at=start + timedelta(hours=1))
        race, = activity_ids(app, edition)
        for score in scores:
            make_guest_who_came(edition, make_contact(owner), score=score,
                                ratings={race: 5 if score > 8 else 2})
        editions.append(edition)
    stranger_edition = make_event(status="published", series_name="Stoltzen",
                                  title="Another company's Stoltzen")
    make_activity(stranger_edition, starts_at=datetime(utcnow().year - 1, 9, 1, 16))
    organiser = log_in(owner)
    page = organiser.get(f"/events/{editions[1].id}/feedback").get_data(as_text=True)
    assert "Edition by edition" in page
    rows = table_rows(page, "Edition by edition")
    year = utcnow().year
    assert [row[0].split(" ", 2)[:2] for row in rows] == [["Stoltzen", str(year - 2)],
                                                          ["Stoltzen", str(year - 1)]]
    assert [row[1:] for row in rows] == [["2", "0", "1", "1", "3.5 ★"],
                                         ["3", "67", "2", "0", "4.0 ★"]]
    assert ">67</text>" in page  # the trend line is labelled
    assert "Another company" not in page  # another organiser's series of the same name
    first = organiser.get(f"/events/{editions[0].id}/feedback").get_data(as_text=True)
    assert "Edition by edition" not in first  # nothing earlier to compare with

    # A co-organiser of this year's edition only sees no earlier figures of the series.
    helper = make_organiser()
    organiser.submit(f"/events/{editions[1].id}/co-organisers", {"email": helper.email})
    helper_page = log_in(helper).get(f"/events/{editions[1].id}/feedback")
    assert helper_page.status_code == 200
    assert f"Stoltzen {year - 2}" not in helper_page.get_data(as_text=True)

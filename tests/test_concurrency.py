"""Many guests answering at once for few places: capacity holds, nobody gets an error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from eventplanner.extensions import db
from eventplanner.invitations import waitlist
from eventplanner.invitations.models import AnswerStatus, Response
from tests.conftest import FormClient

GUESTS, SEATS = 40, 10


@pytest.mark.long
def test_forty_guests_answer_yes_at_once_for_ten_seats(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    race = make_activity(event, name="Stair race", capacity=SEATS)
    tokens = [make_invitation(event, make_contact(owner), send=False).token
              for _ in range(GUESTS)]
    clients = []
    for token in tokens:
        client = FormClient(app, app.response_class, use_cookies=True)
        clients.append((client, client.csrf_token(f"/r/{token}")))
    start = threading.Barrier(GUESTS)

    def answer_yes(index: int) -> int:
        client, csrf = clients[index]
        start.wait()
        response = client.post(f"/r/{tokens[index]}", data={
            "csrf_token": csrf, f"part_{race.id}": "yes",
            "dietary_needs": "", "message_to_host": ""})
        return response.status_code

    with ThreadPoolExecutor(max_workers=GUESTS) as pool:
        statuses = list(pool.map(answer_yes, range(GUESTS)))

    assert statuses == [303] * GUESTS
    with app.app_context():
        answers = db.session.scalars(
            select(Response).where(Response.activity_id == race.id)).all()
        confirmed = [r for r in answers if r.status is AnswerStatus.YES]
        waiting = [r for r in answers if r.status is AnswerStatus.WAITLISTED]
        assert (len(confirmed), len(waiting)) == (SEATS, GUESTS - SEATS)
        positions = sorted(waitlist.waitlist_position(r) for r in waiting)
        assert positions == list(range(1, GUESTS - SEATS + 1))
        assert waitlist.confirmed_places(race.id) == SEATS

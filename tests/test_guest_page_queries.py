"""The guest page reads what it shows in a fixed number of queries, whatever the number of
parts: six for a guest with several parts, goals, a plus-one and a place in line, counted
as the database sees them, with the page cache off (a cold render)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventplanner.auth.services import register_organiser
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import ActivityKind, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.services import publish_results, record_result, set_goal
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import AnswerStatus, Invitation
from tests.conftest import statements_run


def invitation_of(event, contact) -> Invitation:
    return db.session.scalar(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.contact_id == contact.id))


def edition(owner, title: str, year: int, races: int, dinners: int = 1,
            last_capacity: int | None = None):
    """An edition of the owner's "Stoltzen" series on 1 September of ``year``: ``races``
    timed parts (the last with ``last_capacity`` places), then ``dinners`` dinners."""
    event = create_event(owner, EventDetails(
        title=title, timezone="Europe/Oslo", status=EventStatus.PUBLISHED,
        series_name="Stoltzen"))
    day = utcnow().replace(year=year, month=9, day=1, hour=8, minute=0, second=0,
                           microsecond=0, tzinfo=None)
    for number in range(races):
        add_activity(event, ActivityDetails(
            name=f"Race {number + 1}", kind=ActivityKind.TIMED,
            capacity=last_capacity if number == races - 1 else None,
            starts_at=day + timedelta(hours=number), ends_at=day + timedelta(hours=number + 1)))
    for number in range(dinners):
        add_activity(event, ActivityDetails(
            name=f"Dinner {number + 1}", starts_at=day + timedelta(hours=12 + number),
            ends_at=day + timedelta(hours=13 + number)))
    return event


def build(races: int, published: bool) -> str:
    """Last year's edition with results and goals; this year's with ``races`` races and
    two dinners. Kari says yes to everything with a plus-one and sets a goal for every
    race; the last race has one place, which Ola took first, so she waits for it.
    ``published``: her times in this year's races, published. Returns her link."""
    owner = register_organiser("Owner", "owner@example.com", "a long password")
    kari, ola = (create_contact(owner, ContactDetails(name=name, email=f"{name}@example.com"))
                 for name in ("Kari", "Ola"))
    now = utcnow()
    last_year = edition(owner, "Stoltzen last year", now.year - 1, races)
    this_year = edition(owner, "Stoltzen", now.year + 1, races, dinners=2, last_capacity=1)
    invite_contacts(last_year, owner, [kari.id, ola.id], 0, send=False, now=now)
    invite_contacts(this_year, owner, [kari.id, ola.id], 1, send=False, now=now)
    *runs, last = [part for part in this_year.activities if part.is_timed]
    respond_to_invitation(invitation_of(this_year, ola), GuestAnswer({last.id: AnswerStatus.YES}),
                          now)
    mine = invitation_of(this_year, kari)
    respond_to_invitation(mine, GuestAnswer(
        {part.id: AnswerStatus.YES for part in this_year.activities},
        plus_one_names=("Per",)), now)
    for part in runs:
        set_goal(mine, part, "9:30", "", "Under ten")
    for contact in (kari, ola):
        earlier = invitation_of(last_year, contact)
        respond_to_invitation(earlier, GuestAnswer(
            {part.id: AnswerStatus.YES for part in last_year.activities if part.is_timed}),
            now, changed_by="organiser")
    for part in last_year.activities:
        if part.is_timed:
            for seconds, contact in ((600, kari), (640, ola)):
                earlier = invitation_of(last_year, contact)
                record_result(part, earlier, ResultStatus.FINISHED,
                              f"{seconds // 60}:{seconds % 60:02d}")
                set_goal(earlier, part, "9:50", "", "")
    publish_results(last_year, True, now)
    if published:
        for part in runs:
            record_result(part, mine, ResultStatus.FINISHED, "9:20")
        publish_results(this_year, True, now)
    db.session.commit()
    return f"/r/{invitation_token(mine)}"


def queries_for_page(app, races: int, published: bool = False) -> tuple[int, str]:
    with app.app_context():
        link = build(races, published)
    client = app.test_client()
    assert client.get(link).status_code == 200  # the first visit notes that it was opened
    with statements_run(app) as statements:
        response = client.get(link)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.settings(GUEST_PAGE_CACHE_SIZE=0)
@pytest.mark.parametrize("races", [2, 5])
def test_a_cold_guest_page_takes_six_queries_whatever_the_number_of_parts(app, races):
    count, page = queries_for_page(app, races)
    assert page.count("Your goal: Race") == races - 1, "a card per race she runs"
    assert page.count("Your target: 9:30") == races - 1
    assert "number 1 in line" in page and "Your best time so far: 10:00" in page
    assert 'value="Per"' in page and "Dinner 2" in page
    assert count == 6, count  # the five of the programme and host, and the questions


@pytest.mark.settings(GUEST_PAGE_CACHE_SIZE=0)
@pytest.mark.parametrize("races", [2, 5])
def test_published_results_take_one_query_more_whatever_the_number_of_parts(app, races):
    count, page = queries_for_page(app, races, published=True)
    assert page.count("Results: Race") == races
    assert "Goal met by 0:10" in page and "Personal best!" in page
    assert count == 7, count



def test_a_guests_answer_takes_the_lock_then_reads_the_invitation_once(app, client):
    """An answer is decided on what is read under the event's answer lock: the lock comes
    first, then one read of the invitation with its event, parts and answers, and nothing
    reads it again. A part whose answer did not change is not written again."""
    with app.app_context():
        link = build(2, published=False)
    parts = list(dict.fromkeys(re.findall(r'name="(part_\d+)"',
                                          client.get(link).get_data(as_text=True))))
    answers = {part: "yes" for part in parts} | {parts[-1]: "no"}  # the last dinner changes
    form = answers | {"plus_one_names-0": "Per", "csrf_token": client.csrf_token(link)}
    with statements_run(app) as statements:
        response = client.post(link, data=form)
    assert response.status_code == 303
    lock, read, *rest = statements
    assert re.match(r"\s*(UPDATE event\b|SELECT event\.id\b.*\bFOR NO KEY UPDATE)", lock,
                    re.S | re.I), lock
    invitation_read = re.compile(r"^\s*SELECT\b.*\btoken_nonce\b.*\bFROM invitation\b", re.S | re.I)
    assert invitation_read.search(read), read
    assert not [s for s in rest if invitation_read.search(s)]
    assert [s for s in rest if re.match(r"\s*UPDATE response\b", s, re.I)] == [
        next(s for s in rest if re.match(r"\s*UPDATE response\b", s, re.I))], "one part"

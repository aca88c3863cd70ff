"""A host's briefing: 40 guests, each with earlier editions, results, feedback, notes and a
gift. Reads the read model, renders the page and the A4 PDF. Targets: the read model in a
number of queries that does not grow with the guests; the PDF (21 pages) under 5 s.

    .venv/bin/python -m bench.briefing [--guests 40]
"""

from __future__ import annotations

import argparse
import io
import os
from datetime import date, timedelta

from bench.calendar import best_of
from bench.support import Row, bench_environment, report, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=40)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "EVENTPLANNER_CONFIG": "development"})
        report(run(args.guests), args.json)


def _build(guest_count: int):
    """The owner hosts this year's edition; every guest came to two earlier ones."""
    from eventplanner.auth.services import register_organiser
    from eventplanner.contacts.services import ContactDetails, create_contact
    from eventplanner.events.models import ActivityKind, EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        EventDetails,
        add_activity,
        create_event,
    )
    from eventplanner.extensions import db, utcnow
    from eventplanner.feedback.relationships import add_note
    from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
    from eventplanner.gifts.models import GiftDirection
    from eventplanner.gifts.services import GiftDetails, record_gift
    from eventplanner.goals.models import ResultStatus
    from eventplanner.goals.services import record_result, set_goal
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.hosts import set_event_hosts
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.models import AnswerStatus

    owner = register_organiser("Ingrid Haugen", "bench.host@example.com", "bench-host-pass-1")
    contacts = [create_contact(owner, ContactDetails(
        name=f"Guest {n}", email=f"guest{n}@client{n % 7}.example",
        company_name=f"Client {n % 7} AS", job_title="Head of procurement",
        dietary_notes="No nuts" if n % 5 == 0 else "", account_manager_id=owner.id))
        for n in range(guest_count)]
    db.session.flush()
    for n, contact in enumerate(contacts):
        add_note(f"Note about guest {n}: has a dog, likes the dinner.", date(2026, 3, 1),
                 contact=contact, author=owner)
        record_gift(owner.workspace_id, GiftDetails(GiftDirection.GIVEN, date(2026, 12, 1),
                                                    "Bottle of Aquavit"), owner, contact=contact)
    now = utcnow().replace(microsecond=0)
    wall = now.replace(tzinfo=None)  # parts take wall-clock times
    events = []
    for years_ago in (2, 1, -1):
        event = create_event(owner, EventDetails(
            title=f"Stoltzen {now.year - years_ago}", timezone="Europe/Oslo",
            status=EventStatus.PUBLISHED, series_name="Stoltzen"))
        start = wall - timedelta(days=365 * years_ago)
        race = add_activity(event, ActivityDetails(name="Stair race", kind=ActivityKind.TIMED,
                                                   starts_at=start,
                                                   ends_at=start + timedelta(hours=1)))
        dinner = add_activity(event, ActivityDetails(
            name="Dinner", starts_at=start + timedelta(hours=3),
            ends_at=start + timedelta(hours=6)))
        invitations = invite_contacts(event, owner, [c.id for c in contacts], 1, send=False,
                                      now=now).invited
        for n, invitation in enumerate(invitations):
            respond_to_invitation(invitation, GuestAnswer(
                {race.id: AnswerStatus.YES, dinner.id: AnswerStatus.YES},
                plus_one_names=(f"Partner {n}",), dietary_needs="Vegetarian"), now,
                changed_by="organiser")
            set_goal(invitation, race, "9:30", "10:00", "Beat last year")
            if years_ago > 0:
                record_result(race, invitation, ResultStatus.FINISHED, f"9:{10 + n % 40:02d}")
                submit_feedback(invitation, FeedbackAnswer(
                    score=n % 11, ratings={}, did_well="The view", do_better="More soup"),
                    event.ends_at + timedelta(hours=1))
        events.append(event)
    set_event_hosts(events[-1], [owner.id], owner)
    db.session.commit()
    return events[-1], owner


def run(guest_count: int) -> list[Row]:
    from flask import render_template
    from pypdf import PdfReader
    from sqlalchemy import event as sa_event

    from eventplanner import create_app
    from eventplanner.briefings.services import briefing_for
    from eventplanner.extensions import db, utcnow
    from eventplanner.pdf import html_to_pdf

    app = create_app()
    with app.app_context(), app.test_request_context():
        event, host = _build(guest_count)
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        briefing = briefing_for(event, host, host, utcnow())
        sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert len(briefing.guests) == guest_count
        read = best_of(lambda: briefing_for(event, host, host, utcnow()), 5)
        page = best_of(lambda: render_template("briefings/briefing.html", briefing=briefing,
                                               now=utcnow()), 5)
        html = render_template("briefings/briefing_print.html", briefing=briefing,
                               now=utcnow())
        pdf = best_of(lambda: html_to_pdf(html), 3)
        pages = len(PdfReader(io.BytesIO(html_to_pdf(html))).pages)
    return [
        Row(f"briefing of {guest_count} guests: queries", len(statements), "queries",
            "<= 20", len(statements) <= 20),
        Row(f"briefing of {guest_count} guests: read model", read * 1000, "ms"),
        Row(f"briefing of {guest_count} guests: page", page * 1000, "ms"),
        Row(f"briefing of {guest_count} guests: A4 PDF ({pages} pages)", pdf * 1000, "ms",
            "< 5000", pdf < 5),
    ]


if __name__ == "__main__":
    main()

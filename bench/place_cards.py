"""The table plan on paper at a dinner of 200 guests at 25 tables: the plan read, 200
place cards as a PDF (WeasyPrint), the plan drawn as SVG and the door list.

    .venv/bin/python -m bench.place_cards [--guests 200]
"""

from __future__ import annotations

import argparse
import os
import time

from bench.calendar import best_of
from bench.support import Row, bench_environment, report, scratch_database

TABLES = 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "EVENTPLANNER_CONFIG": "development"})
        report(run(args.guests), args.json)


def run(guest_count: int) -> list[Row]:
    from datetime import datetime, timedelta

    from flask import render_template

    from eventplanner import create_app
    from eventplanner.auth.services import register_organiser
    from eventplanner.contacts.services import ContactDetails, create_contact
    from eventplanner.events.models import EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        EventDetails,
        add_activity,
        create_event,
    )
    from eventplanner.extensions import db, utcnow
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.models import AnswerStatus
    from eventplanner.pdf import html_to_pdf
    from eventplanner.seating import printing
    from eventplanner.seating.drawing import plan_svg
    from eventplanner.seating.models import DinnerTable, SeatPlace

    app = create_app()
    with app.app_context(), app.test_request_context():
        owner = register_organiser("Bench Owner", "bench@example.com", "a long password")
        event = create_event(owner, EventDetails(title="Dinner", timezone="Europe/Oslo",
                                                 status=EventStatus.PUBLISHED))
        start = datetime(utcnow().year + 1, 9, 5, 19)
        dinner = add_activity(event, ActivityDetails(name="Dinner", starts_at=start,
                                                     ends_at=start + timedelta(hours=4)))
        languages = ("nb", "de", "da", "en")
        contacts = [create_contact(owner, ContactDetails(
            name=f"Gjest Ødegård-Groß {number}", email=f"guest{number}@example.com",
            company_name=f"Kunde {number % 30} AS", language=languages[number % 4]))
            for number in range(guest_count)]
        invited = invite_contacts(event, owner, [c.id for c in contacts], 0, send=False,
                                  now=utcnow()).invited
        tables = [DinnerTable(activity_id=dinner.id, name=str(number + 1),
                              seats=-(-guest_count // TABLES), position=number)
                  for number in range(TABLES)]
        db.session.add_all(tables)
        db.session.flush()
        for number, invitation in enumerate(invited):
            respond_to_invitation(invitation, GuestAnswer({dinner.id: AnswerStatus.YES}),
                                  utcnow())
            table = tables[number % TABLES]
            db.session.add(SeatPlace(activity_id=dinner.id, table_id=table.id,
                                     invitation_id=invitation.id, seat=number // TABLES + 1))
        db.session.commit()

        plan_seconds = best_of(lambda: printing.part_plan(dinner), 5)
        plan = printing.part_plan(dinner)

        def cards_pdf() -> bytes:
            cards = printing.place_cards(printing.part_plan(dinner))
            html = render_template("seating/print_place_cards.html", activity=dinner,
                                   sheets=[cards[at:at + 4] for at in range(0, len(cards), 4)])
            return html_to_pdf(html)

        pdf_seconds = best_of(cards_pdf, 3)
        cpu_started = time.process_time()
        pdf = cards_pdf()
        pdf_cpu_seconds = time.process_time() - cpu_started
        svg_seconds = best_of(lambda: plan_svg(plan, "Dinner"), 5)
        door_seconds = best_of(lambda: printing.door_list(plan, "nb"), 5)
    return [
        Row(f"table plan read ({guest_count} guests, {TABLES} tables)", plan_seconds * 1000,
            "ms"),
        Row(f"{guest_count} place cards as PDF (read, render, WeasyPrint)", pdf_seconds, "s"),
        Row(f"{guest_count} place cards as PDF, processor time", pdf_cpu_seconds, "s"),
        Row(f"size of the {guest_count} cards' PDF", len(pdf) / 1024, "KiB"),
        Row(f"plan drawn as SVG ({TABLES} tables)", svg_seconds * 1000, "ms"),
        Row(f"door list sorted ({guest_count} people)", door_seconds * 1000, "ms"),
    ]


if __name__ == "__main__":
    main()

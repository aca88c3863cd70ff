"""Importing 5,000 contacts from CSV, inviting them all, and the organiser's overview.

Runs in-process on a fresh SQLite database (like `make run`). Targets: the import under
5 s, the invitations (with their 5,000 emails written to the outbox) under 5 s, and the
overview of 5,000 invitations well under a second with a fixed number of queries.

    .venv/bin/python -m bench.import_invite [--contacts 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from bench.support import Row, bench_environment, report, scratch_database

COMPANIES = ["Nordlys Shipping AS", "Øresund Logistik ApS", "Hansefracht GmbH",
             "Fjordkraft Rådgivning AS", "Kystlinje Data AS"]


def contacts_csv(count: int) -> bytes:
    lines = ["Navn;E-post;Firma;Språk;Allergier;Stikkord"]
    for n in range(count):
        lines.append(f"Gjest Nummer {n};gjest{n}@kunde{n % 50}.example;{COMPANIES[n % 5]};"
                     f"{['nb', 'da', 'de', 'en'][n % 4]};{'Vegetar' if n % 7 == 0 else ''};"
                     f"{'vip' if n % 10 == 0 else 'kunde'}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "EVENTPLANNER_CONFIG": "development"})
        report(run(args.contacts), args.json)


def run(count: int) -> list[Row]:
    from eventplanner import create_app
    from eventplanner.contacts.csv_import import apply_import, preview_import
    from eventplanner.contacts.models import Contact
    from eventplanner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo_data
    from eventplanner.events.models import Event
    from eventplanner.extensions import db, utcnow
    from eventplanner.invitations.inviting import invite_contacts

    app = create_app()
    data = contacts_csv(count)
    with app.app_context():
        load_demo_data()
        db.session.commit()
        from eventplanner.auth.services import find_organiser_by_email

        organiser = find_organiser_by_email(DEMO_EMAIL)
        started = time.perf_counter()
        preview = preview_import(organiser, data)
        added, updated = apply_import(organiser, preview)
        db.session.commit()
        imported = time.perf_counter()

        event = db.session.scalar(select(Event))
        ids = list(db.session.scalars(select(Contact.id)))
        invite_started = time.perf_counter()
        invitations = invite_contacts(event, organiser, ids, 1, send=True, now=utcnow())
        db.session.commit()
        invited = time.perf_counter()
        event_id = event.id

    client = app.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/auth/login", data={"csrf_token": token, "email": DEMO_EMAIL,
                                     "password": DEMO_PASSWORD})
    client.get(f"/events/{event_id}/guests")  # warm up
    statements = []
    with app.app_context():
        engine = db.engine
    sqlalchemy_event.listen(engine, "before_cursor_execute",
                            lambda *args, **kwargs: statements.append(args[2]))
    overview_started = time.perf_counter()
    response = client.get(f"/events/{event_id}/guests")
    overview_done = time.perf_counter()
    assert response.status_code == 200

    if os.environ.get("SHOW_SQL"):
        print("\n".join(s.split("\n")[0][:150] for s in statements), file=sys.stderr)
    overview_ms = (overview_done - overview_started) * 1000
    invite_seconds = invited - invite_started
    return [
        Row(f"import {count} contacts from CSV ({added} new, {updated} updated)",
            imported - started, "s",
            "< 5", imported - started < 5),
        Row(f"invite {len(invitations.invited)} contacts, queue their emails", invite_seconds,
            "s", "< 5", invite_seconds < 5),
        Row(f"organiser overview of {len(invitations.invited)} invitations", overview_ms, "ms",
            "< 300", overview_ms < 300),
        Row("  its SQL queries (must not grow with the guests)", len(statements), "queries",
            "<= 10", len(statements) <= 10),
    ]


if __name__ == "__main__":
    main()

"""Calendar files: one guest's .ics, and the organiser's feed of 1,000 parts beside raw
icalendar serialisation of the same events. Targets: one guest's .ics under 2 ms; the feed
within 2x of the raw serialisation.

    .venv/bin/python -m bench.calendar [--parts 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from bench.support import Row, bench_environment, report, scratch_database


def best_of(function, runs: int) -> float:
    """Median seconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "EVENTPLANNER_CONFIG": "development"})
        report(run(args.parts), args.json)


def run(part_count: int) -> list[Row]:
    from icalendar import Calendar, Event
    from sqlalchemy import select

    from eventplanner import create_app
    from eventplanner.auth.services import find_organiser_by_email
    from eventplanner.calendar.services import feed, guest_download
    from eventplanner.demo import DEMO_EMAIL, load_demo_data
    from eventplanner.events.models import Activity, EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        EventDetails,
        add_activity,
        create_event,
    )
    from eventplanner.extensions import db
    from eventplanner.invitations.links import invitation_link
    from eventplanner.invitations.models import Invitation
    from eventplanner.timezones import zone

    app = create_app()
    with app.app_context(), app.test_request_context():
        load_demo_data()
        organiser = find_organiser_by_email(DEMO_EMAIL)
        start = datetime(2027, 1, 4, 16, 0)
        existing = db.session.scalar(select(db.func.count()).select_from(Activity))
        for n in range((part_count - existing + 1) // 2):
            event = create_event(organiser, EventDetails(
                title=f"Client event {n}", timezone="Europe/Oslo",
                status=EventStatus.PUBLISHED, description="Race, then dinner."))
            day = start + timedelta(days=n % 300)
            add_activity(event, ActivityDetails(name="Race", starts_at=day,
                                                ends_at=day + timedelta(hours=1),
                                                place_name="Skansen", address="Bergen"))
            add_activity(event, ActivityDetails(name="Dinner", starts_at=day + timedelta(hours=3),
                                                ends_at=day + timedelta(hours=6),
                                                place_name="Bryggen", address="Bergen"))
        db.session.commit()
        invitation = db.session.scalar(select(Invitation).order_by(Invitation.id))
        link = invitation_link(invitation)
        parts = db.session.scalars(select(Activity)).all()

        guest_seconds = best_of(lambda: guest_download(invitation, link), 300)
        feed_seconds = best_of(lambda: feed(organiser), 5)

        oslo = zone("Europe/Oslo")

        def raw() -> bytes:
            calendar = Calendar()
            calendar.add("prodid", "-//raw//EN")
            calendar.add("version", "2.0")
            for part in parts:
                entry = Event()
                entry.add("uid", f"activity-{part.id}@raw")
                entry.add("dtstamp", datetime.now(UTC))
                entry.add("dtstart", part.starts_at.astimezone(oslo))
                entry.add("dtend", part.ends_at.astimezone(oslo))
                entry.add("summary", part.name)
                entry.add("location", part.location)
                calendar.add_component(entry)
            calendar.add_missing_timezones(first_date=date(2027, 1, 1),
                                           last_date=date(2029, 1, 1))
            return calendar.to_ical()

        raw_seconds = best_of(raw, 5)
    return [
        Row("one guest's .ics", guest_seconds * 1000, "ms", "< 2", guest_seconds < 0.002),
        Row(f"organiser feed of {len(parts)} parts (with its query)", feed_seconds * 1000,
            "ms"),
        Row(f"raw icalendar, the same {len(parts)} events", raw_seconds * 1000, "ms"),
        Row("feed / raw icalendar", feed_seconds / raw_seconds, "ratio", "<= 2.0",
            feed_seconds / raw_seconds <= 2.0),
    ]


if __name__ == "__main__":
    main()

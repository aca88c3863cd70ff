"""``flask mail receive``'s throughput: calendar answers (Outlook's shape, from
``tests.mail_samples``) to as many guests' reply addresses, sent over SMTP on loopback
to the listener running as its own process, as the mail server would hand them over; each
answer is applied (capacity, history, the guest's confirmation queued) and committed before
the listener says 250. Target: at least 20 answers/s on SQLite (5,000 guests answering
in their calendars at the same moment are all applied within about four minutes).

    .venv/bin/python -m bench.mail_receive [--answers 500]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

from bench.support import BIN, ROOT, Row, bench_environment, free_port, report, scratch_database

REPLY_DOMAIN = "reply.example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "REPLY_DOMAIN": REPLY_DOMAIN,
                           "LOG_JSON": "0"})
        report(run(args.answers, free_port()), args.json)


def prepare(count: int) -> list[tuple[str, bytes]]:
    """``count`` guests invited to the demo event's first part; each one's answer."""
    from sqlalchemy import select

    from eventplanner import create_app
    from eventplanner.auth.services import find_organiser_by_email
    from eventplanner.calendar.services import part_uid
    from eventplanner.contacts.models import Contact
    from eventplanner.demo import DEMO_EMAIL, load_demo_data
    from eventplanner.events.models import Event
    from eventplanner.extensions import db, utcnow
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.invitations.reply_address import reply_address
    from tests import mail_samples

    app = create_app()
    with app.app_context():
        load_demo_data()
        organiser = find_organiser_by_email(DEMO_EMAIL)
        db.session.add_all(Contact(workspace_id=organiser.workspace_id, name=f"Guest {n}",
                                   email=f"guest{n}@client.example") for n in range(count))
        db.session.commit()
        event = db.session.scalar(select(Event).order_by(Event.id))
        ids = list(db.session.scalars(select(Contact.id).where(
            Contact.email.like("guest%@client.example"))))
        invited = invite_contacts(event, organiser, ids, 0, send=False, now=utcnow()).invited
        db.session.commit()
        uid = part_uid(event.activities[0])
        stamp = datetime.now(UTC) - timedelta(minutes=1)
        return [(reply_address(invitation), mail_samples.reply(
            "outlook", to=reply_address(invitation), attendee=invitation.contact.email,
            uid=uid, sequence=event.activities[0].sequence, dtstamp=stamp,
            partstat="ACCEPTED" if n % 3 else "DECLINED"))
            for n, invitation in enumerate(invited)]


def run(count: int, port: int) -> list[Row]:
    answers = prepare(count)
    listener = subprocess.Popen(
        [BIN / "flask", "--app", "eventplanner", "mail", "receive", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for address, raw in answers:
                refused = client.sendmail("guest@client.example", [address], raw)
                assert not refused, refused
        seconds = time.perf_counter() - started
    finally:
        listener.terminate()
        listener.wait(10)
    rate = count / seconds
    return [Row(f"mail receive: {count} calendar answers over SMTP, applied", rate,
                "answers/s", ">= 20", rate >= 20)]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the listener did not start") from None
            time.sleep(0.1)


if __name__ == "__main__":
    main()

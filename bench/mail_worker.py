"""The mail worker's throughput: invitations (with their calendar attachment) queued in
the outbox, delivered by ``deliver_queued`` to an SMTP sink on loopback (aiosmtpd's Sink, in
its own process, as a mail server would be), one connection per round as in production.
Target: at least 100 messages/s.

    .venv/bin/python -m bench.mail_worker [--messages 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time

from bench.support import Row, bench_environment, free_port, report, scratch_database


@contextlib.contextmanager
def smtp_sink(port: int):
    """aiosmtpd accepting and dropping every message, in a process of its own."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the SMTP sink did not start") from None
            time.sleep(0.1)
    try:
        yield
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    port = free_port()
    with scratch_database() as url:
        os.environ.update({**bench_environment(url), "EVENTPLANNER_CONFIG": "development",
                           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                           "LOG_JSON": "0"})
        report(run(args.messages, port), args.json)


def run(count: int, port: int) -> list[Row]:
    from sqlalchemy import select

    from eventplanner import create_app
    from eventplanner.auth.services import find_organiser_by_email
    from eventplanner.contacts.models import Contact
    from eventplanner.demo import DEMO_EMAIL, load_demo_data
    from eventplanner.events.models import Event
    from eventplanner.extensions import db, utcnow
    from eventplanner.invitations.inviting import invite_contacts
    from eventplanner.mail.delivery import deliver_queued

    app = create_app()
    with smtp_sink(port), app.app_context():
        load_demo_data()
        organiser = find_organiser_by_email(DEMO_EMAIL)
        db.session.add_all(Contact(workspace_id=organiser.workspace_id, name=f"Guest {n}",
                                   email=f"guest{n}@client.example")
                           for n in range(count))
        db.session.commit()
        deliver_queued(limit=10_000)  # the demo's own emails first
        event = db.session.scalar(select(Event).order_by(Event.id))
        ids = list(db.session.scalars(select(Contact.id).where(
            Contact.email.like("guest%@client.example"))))
        invite_contacts(event, organiser, ids, 0, send=True, now=utcnow())
        db.session.commit()
        started = time.perf_counter()
        sent = 0
        while sent < count:
            sent += deliver_queued(limit=500).sent
        seconds = time.perf_counter() - started
    rate = count / seconds
    return [Row(f"mail worker: {count} invitations to a local SMTP sink", rate, "msg/s",
                ">= 100", rate >= 100)]


if __name__ == "__main__":
    main()

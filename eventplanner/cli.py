"""Command-line tasks: ``flask demo``, ``flask mail deliver``, ``flask mail send-due``,
``flask mail receive``, ``flask mail fetch``, ``flask webhooks deliver``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import DBAPIError

from eventplanner.extensions import db, utcnow

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="Deliver the outbox, send what is due, read replies.")


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every few seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks.")
@click.option("--batch", default=100, show_default=True, help="Messages per round.")
def deliver(loop: bool, interval: float, batch: int) -> None:
    """Send queued emails over SMTP; failures are retried later with backoff."""
    from eventplanner.mail.delivery import deliver_queued

    def tell(report) -> None:
        click.echo(f"sent {report.sent}, will retry {report.will_retry}, "
                   f"failed {report.failed}")

    run_worker(lambda: deliver_queued(limit=batch), tell, loop, interval, batch)


def run_worker(round_of_work: Callable, tell: Callable, loop: bool, interval: float,
               batch: int) -> None:
    """Run one round of an outbox worker (mail, webhooks), or rounds until stopped with
    ``loop``: each report that handled something is told with its first errors; a round
    that found the database gone waits ``interval`` and tries again (``loop`` only); a
    round shorter than ``batch`` waits ``interval`` before the next."""
    while True:
        try:
            report = round_of_work()
        except DBAPIError as error:
            if not loop:
                raise
            db.session.rollback()
            log.warning("database unavailable, retrying: %s", error.__class__.__name__)
            time.sleep(interval)
            continue
        if report.handled:
            tell(report)
            for error in report.errors[:5]:
                click.echo(f"  {error}", err=True)
        if not loop:
            return
        if report.handled < batch:
            time.sleep(interval)


@mail_cli.command("send-due")
def send_due() -> None:
    """Queue what is due now: scheduled reminders to answer, the hosts' briefings,
    feedback requests and feedback reminders. Run it from cron every few minutes; running
    it twice sends nothing twice."""
    from eventplanner.briefings.sending import send_due_briefings
    from eventplanner.feedback.services import send_due_feedback
    from eventplanner.invitations.reminders import send_due_reminders

    now = utcnow()
    reminders = send_due_reminders(now)
    briefings = send_due_briefings(now)
    feedback_requests, feedback_reminders = send_due_feedback(now)
    db.session.commit()
    click.echo(f"queued {reminders} reminders, {briefings} briefings, "
               f"{feedback_requests} feedback requests, {feedback_reminders} feedback reminders")


@mail_cli.command("fetch")
@click.option("--interval", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Seconds between reads of the mailbox; 0: read it once and exit.")
def fetch(interval: float) -> None:
    """Read guests' calendar answers from the replies mailbox (the IMAP_* settings): each
    email is applied, then moved to IMAP_PROCESSED_FOLDER (or flagged as seen). An email
    that fails stays for the next run. With --interval, a mailbox that cannot be reached
    is logged and tried again next round."""
    from flask import current_app

    from eventplanner.inbox.fetching import fetch_replies
    from eventplanner.inbox.imap import MailboxError, MailboxSettings

    try:
        settings = MailboxSettings.from_config(current_app.config)
    except MailboxError as error:
        raise click.ClickException(str(error)) from None
    while True:
        try:
            click.echo(fetch_replies(settings).describe())
        except MailboxError as error:
            if not interval:
                raise click.ClickException(str(error)) from None
            log.error("could not read the replies mailbox, trying again in %s s: %s",
                      interval, error)
        if not interval:
            return
        time.sleep(interval)


@mail_cli.command("receive")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
@click.option("--lmtp", is_flag=True, help="Speak LMTP (for a local mail server) not SMTP.")
def receive(host: str, port: int, lmtp: bool) -> None:
    """Take in the replies to guests' reply addresses (REPLY_DOMAIN) over SMTP or LMTP:
    calendar answers are applied, everything else is kept for the organiser. Runs until
    stopped."""
    from flask import current_app

    from eventplanner.inbox.listener import start_listener

    if not current_app.config.get("REPLY_DOMAIN"):
        raise click.UsageError("Set REPLY_DOMAIN first: the domain guests' replies go to.")
    controller = start_listener(current_app._get_current_object(), host, port, lmtp)
    click.echo(f"receiving {'LMTP' if lmtp else 'SMTP'} for @{current_app.config['REPLY_DOMAIN']}"
               f" on {host}:{port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


webhooks_cli = AppGroup("webhooks", help="Deliver webhooks to other systems.")


@webhooks_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, checking every few seconds.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between checks.")
@click.option("--batch", default=50, show_default=True, help="Deliveries per round.")
def deliver_webhooks(loop: bool, interval: float, batch: int) -> None:
    """Post the webhook deliveries that are due, signed (Standard Webhooks); failures are
    retried with backoff for about a day."""
    from eventplanner.webhooks.delivery import deliver_due

    def tell(report) -> None:
        click.echo(f"delivered {report.delivered}, will retry {report.will_retry}, "
                   f"failed {report.failed}"
                   + (f", put back {report.held_back} (their receiver failed)"
                      if report.held_back else ""))
        if report.disabled:
            click.echo(f"turned off {len(report.disabled)} failing webhooks; their "
                       f"admins are emailed", err=True)

    run_worker(lambda: deliver_due(limit=batch), tell, loop, interval, batch)


privacy_cli = AppGroup("privacy", help="Personal data: retention.")


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention in days (default: the RETENTION_DAYS setting).")
def purge(days: int | None) -> None:
    """Erase the guests' personal data from events that ended longer ago than the retention
    period, as erasure does: names, addresses, plus-ones, dietary needs, messages, comments
    and email bodies go; answers, check-ins, scores and times stay, without a name. Also
    deletes expired uploads, and mail to addresses that are no invitation's after 30 days.
    Run it daily from cron; running it twice changes nothing."""
    from flask import current_app

    from eventplanner.inbox.services import discard_unaddressed_mail
    from eventplanner.privacy.services import purge_old_events
    from eventplanner.uploads.services import discard_expired_uploads

    days = days or current_app.config["RETENTION_DAYS"]
    if not days:
        raise click.ClickException("Set RETENTION_DAYS or pass --days.")
    count = purge_old_events(utcnow(), days)
    uploads = discard_expired_uploads(utcnow())
    unaddressed = discard_unaddressed_mail(utcnow())
    db.session.commit()
    click.echo(f"erased the guests' personal data from {count} invitations to events that "
               f"ended over {days} days ago")
    click.echo(f"deleted {uploads} expired uploads")
    click.echo(f"deleted {unaddressed} emails to addresses of no invitation")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(target: str) -> None:
    """Copy the SQLite database to TARGET while the app runs (SQLite's online backup: a
    consistent copy, even mid-write). For PostgreSQL use pg_dump (see the README)."""
    import sqlite3
    from pathlib import Path

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("flask backup copies SQLite files; for PostgreSQL use "
                                   "pg_dump -Fc (see the README).")
    if Path(target).exists():
        raise click.ClickException(f"{target} exists already: choose a new file name.")
    with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    click.echo(f"backed up {url.database} to {target}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(backup)

    @app.cli.command("demo")
    def load_demo() -> None:
        """Load the demo event, companies and contacts (running it again changes nothing)."""
        from eventplanner.demo import DEMO_MEMBERS, load_demo_data

        if not app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException(
                "The demo data has a published password and is not loaded in production.")
        summary = load_demo_data()
        db.session.commit()
        click.echo(summary.describe())
        click.echo(f"Log in at {app.config['BASE_URL']}/auth/login")
        for member in DEMO_MEMBERS:
            click.echo(f"  as {member.email} with the password {member.password} "
                       f"({member.role.value})")

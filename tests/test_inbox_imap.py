"""Reading the replies mailbox over IMAP, against a real Dovecot (tests/imap_server.py).

The receiver here is the test's own: it records what it was handed, or refuses one chosen
message, so these tests prove the mailbox side alone (what is read, when it is marked
done, what stays); the calendar answers themselves are tested with ``receive_mail``.
"""

from __future__ import annotations

import logging
import time
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from eventplanner.calendar.services import part_uid
from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.inbox.imap import FetchReport, MailboxError, MailboxSettings, fetch_mailbox
from eventplanner.inbox.models import IncomingMail, IncomingOutcome
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.invitations.reply_address import reply_address
from tests import mail_samples
from tests.conftest import app_for, process_context, stop_processes
from tests.imap_server import HOST, HOST_WITHOUT_MOVE, PASSWORD, Dovecot


def reply(number: int, body: str = "Accepted") -> bytes:
    """An email as a guest's calendar program sends it (CRLF line ends, as stored)."""
    message = EmailMessage()
    message["From"] = f"guest{number}@example.com"
    message["To"] = "rsvp+code@reply.example.com"
    message["Subject"] = f"Accepted: dinner {number}"
    message["Message-ID"] = f"<reply-{number}@example.com>"
    message.set_content(body)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class Receiver:
    """Records each email handed over; refuses those containing ``refuse`` (if given)."""

    def __init__(self, refuse: bytes | None = None) -> None:
        self.received: list[bytes] = []
        self.refuse = refuse

    def __call__(self, raw: bytes) -> None:
        if self.refuse and self.refuse in raw:
            raise ValueError("this one cannot be read")
        self.received.append(raw)


def put_in_mailbox(dovecot: Dovecot, user: str, *messages: bytes, folder: str = "INBOX"):
    with dovecot.mailbox(user) as mailbox:
        for message in messages:
            status, _ = mailbox.append(folder, None, None, message)
            assert status == "OK"


def folder_contents(dovecot: Dovecot, user: str, folder: str) -> dict[bytes, bytes]:
    """Each message's Message-ID and flags in ``folder`` (looked at without changing it)."""
    with dovecot.mailbox(user) as mailbox:
        status, data = mailbox.select(f'"{folder}"', readonly=True)
        assert status == "OK", data
        if data == [b"0"]:
            return {}
        _, data = mailbox.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    return {item[1].split(b":", 1)[1].strip(): item[0].split(b"FLAGS (")[1].split(b")")[0]
            for item in data if isinstance(item, tuple)}


@pytest.mark.parametrize("host", [HOST, HOST_WITHOUT_MOVE], ids=["move", "copy-and-expunge"])
def test_each_reply_is_received_once_and_moved_to_the_processed_folder(dovecot,
                                                                        mailbox_user, host):
    replies = [reply(1), reply(2), reply(3)]
    put_in_mailbox(dovecot, mailbox_user, *replies)
    settings = dovecot.settings(mailbox_user, host=host)
    receiver = Receiver()

    assert fetch_mailbox(settings, receiver) == FetchReport(read=3, failed=0)

    assert receiver.received == replies
    assert folder_contents(dovecot, mailbox_user, "INBOX") == {}
    assert sorted(folder_contents(dovecot, mailbox_user, "Processed")) == [
        b"<reply-1@example.com>", b"<reply-2@example.com>", b"<reply-3@example.com>"]

    again = Receiver()
    assert fetch_mailbox(settings, again) == FetchReport(read=0, failed=0)
    assert again.received == []


def test_the_processed_folder_is_used_when_it_exists_already(dovecot, mailbox_user):
    with dovecot.mailbox(mailbox_user) as mailbox:
        assert mailbox.create("Done")[0] == "OK"
    put_in_mailbox(dovecot, mailbox_user, reply(1))

    assert fetch_mailbox(dovecot.settings(mailbox_user, processed_folder="Done"),
                 Receiver()).read == 1
    assert list(folder_contents(dovecot, mailbox_user, "Done")) == [b"<reply-1@example.com>"]


def test_without_a_processed_folder_replies_are_flagged_seen_and_skipped_next_time(
        dovecot, mailbox_user):
    put_in_mailbox(dovecot, mailbox_user, reply(1), reply(2))
    settings = dovecot.settings(mailbox_user, processed_folder="")
    receiver = Receiver()

    assert fetch_mailbox(settings, receiver) == FetchReport(read=2, failed=0)

    assert len(receiver.received) == 2
    assert folder_contents(dovecot, mailbox_user, "INBOX") == {
        b"<reply-1@example.com>": rb"\Seen", b"<reply-2@example.com>": rb"\Seen"}
    put_in_mailbox(dovecot, mailbox_user, reply(3))
    later = Receiver()
    assert fetch_mailbox(settings, later) == FetchReport(read=1, failed=0)
    assert later.received == [reply(3)]


@pytest.mark.parametrize("processed_folder", ["Processed", ""], ids=["move", "flag"])
def test_a_reply_the_receiver_fails_on_stays_unread_while_the_others_are_done(
        dovecot, mailbox_user, processed_folder, caplog):
    put_in_mailbox(dovecot, mailbox_user, reply(1), reply(2, body="unreadable"), reply(3))
    settings = dovecot.settings(mailbox_user, processed_folder=processed_folder)
    receiver = Receiver(refuse=b"unreadable")

    with caplog.at_level(logging.ERROR, logger="eventplanner.inbox.imap"):
        assert fetch_mailbox(settings, receiver) == FetchReport(read=2, failed=1)

    assert [raw.count(b"<reply-2@") for raw in receiver.received] == [0, 0]
    assert "could not receive message UID 2 in INBOX" in caplog.text
    assert "ValueError: this one cannot be read" in caplog.text
    inbox = folder_contents(dovecot, mailbox_user, "INBOX")
    assert inbox[b"<reply-2@example.com>"] == b""  # not \Seen, not \Deleted
    if processed_folder:
        assert list(inbox) == [b"<reply-2@example.com>"]

    next_run = Receiver()
    assert fetch_mailbox(settings, next_run) == FetchReport(read=1, failed=0)
    assert next_run.received == [reply(2, body="unreadable")]


@pytest.mark.parametrize("processed_folder", ["Processed", ""], ids=["move", "flag"])
def test_a_reply_larger_than_the_limit_is_handed_over_cut_after_one_byte_more(
        dovecot, mailbox_user, processed_folder):
    small, large = reply(1), reply(2, body="x" * 5000)
    limit = len(small)  # a message of exactly the limit arrives whole
    put_in_mailbox(dovecot, mailbox_user, small, large)
    receiver = Receiver()

    report = fetch_mailbox(dovecot.settings(mailbox_user, max_bytes=limit,
                                    processed_folder=processed_folder), receiver)

    assert report == FetchReport(read=2, failed=0)
    assert receiver.received == [small, large[:limit + 1]]


@pytest.mark.parametrize("host", ["imap.example.com", "192.0.2.10", "::ffff:192.0.2.10"])
def test_no_tls_is_refused_for_a_host_on_the_network(host):
    settings = MailboxSettings(host=host, port=143, tls="none", username="replies",
                               password="secret")

    with pytest.raises(MailboxError, match="only allowed for a loopback host"):
        fetch_mailbox(settings, Receiver())


def test_no_tls_is_allowed_on_localhost(dovecot, mailbox_user):
    put_in_mailbox(dovecot, mailbox_user, reply(1))

    assert fetch_mailbox(dovecot.settings(mailbox_user, host="localhost"), Receiver()).read == 1


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_the_mailbox_is_read_over_tls_checking_the_servers_certificate(dovecot,
                                                                       mailbox_user, tls):
    put_in_mailbox(dovecot, mailbox_user, reply(1))
    port = dovecot.ssl_port if tls == "ssl" else dovecot.port
    receiver = Receiver()

    assert fetch_mailbox(dovecot.settings(mailbox_user, tls=tls, port=port), receiver).read == 1
    assert receiver.received == [reply(1)]

    untrusted = dovecot.settings(mailbox_user, tls=tls, port=port, ca_file="")
    with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch_mailbox(untrusted, Receiver())


def test_a_wrong_password_is_one_clear_error(dovecot, mailbox_user):
    settings = dovecot.settings(mailbox_user, password=PASSWORD + "x")

    with pytest.raises(MailboxError) as refused:
        fetch_mailbox(settings, Receiver())

    assert str(refused.value) == (f"IMAP {HOST}:{dovecot.port} (login as {mailbox_user}): "
                                  "[AUTHENTICATIONFAILED] Authentication failed.")


def test_a_server_that_does_not_answer_is_one_clear_error(dovecot, mailbox_user):
    closed_port = dovecot.settings(mailbox_user, port=1)

    with pytest.raises(MailboxError, match=rf"IMAP {HOST}:1: .*Connection refused"):
        fetch_mailbox(closed_port, Receiver())


def test_an_unknown_tls_mode_is_refused():
    settings = MailboxSettings(host=HOST, port=143, tls="yes", username="replies",
                               password="secret")

    with pytest.raises(MailboxError, match="IMAP_TLS must be one of ssl, starttls, none"):
        fetch_mailbox(settings, Receiver())


def test_the_settings_come_from_the_app_config_and_say_what_is_missing():
    config = {"IMAP_HOST": "imap.example.com", "IMAP_PORT": 993, "IMAP_TLS": "ssl",
              "IMAP_USERNAME": "replies", "IMAP_PASSWORD": "secret", "IMAP_FOLDER": "INBOX",
              "IMAP_PROCESSED_FOLDER": "Done", "INBOUND_MAX_BYTES": 1000,
              "IMAP_CA_FILE": "", "IMAP_TIMEOUT": 5.0}

    settings = MailboxSettings.from_config(config)

    assert (settings.host, settings.processed_folder, settings.max_bytes) == (
        "imap.example.com", "Done", 1000)
    assert "secret" not in repr(settings)
    with pytest.raises(MailboxError, match="Set IMAP_HOST, IMAP_PASSWORD to read"):
        MailboxSettings.from_config({**config, "IMAP_HOST": "", "IMAP_PASSWORD": ""})


def point_app_at(app, dovecot: Dovecot, user: str, **settings) -> None:
    app.config.update({"IMAP_HOST": HOST, "IMAP_PORT": dovecot.port, "IMAP_TLS": "none",
                       "IMAP_USERNAME": user, "IMAP_PASSWORD": PASSWORD, "IMAP_CA_FILE": "",
                       "IMAP_FOLDER": "INBOX", "IMAP_PROCESSED_FOLDER": "Processed",
                       **settings})


def test_flask_mail_fetch_reads_the_mailbox_once(app, dovecot, mailbox_user):
    put_in_mailbox(dovecot, mailbox_user, reply(1), reply(2))
    point_app_at(app, dovecot, mailbox_user)

    result = app.test_cli_runner().invoke(args=["mail", "fetch"])

    assert result.exit_code == 0, result.output
    assert result.output == "read 2 messages, 0 failed\n"
    assert folder_contents(dovecot, mailbox_user, "INBOX") == {}
    assert len(folder_contents(dovecot, mailbox_user, "Processed")) == 2
    with app.app_context():
        noted = db.session.scalars(select(IncomingMail.message_id)).all()
    assert sorted(noted) == ["<reply-1@example.com>", "<reply-2@example.com>"]


def test_flask_mail_fetch_says_why_it_cannot_read_the_mailbox(app, dovecot, mailbox_user):
    point_app_at(app, dovecot, mailbox_user, IMAP_PASSWORD="wrong")

    result = app.test_cli_runner().invoke(args=["mail", "fetch"])

    assert result.exit_code == 1
    assert "Error: IMAP 127.0.0.1" in result.output
    assert "Authentication failed" in result.output
    assert "Traceback" not in result.output


def test_flask_mail_fetch_needs_a_mailbox(app):
    app.config.update(IMAP_HOST="", IMAP_USERNAME="", IMAP_PASSWORD="")

    result = app.test_cli_runner().invoke(args=["mail", "fetch"])

    assert result.exit_code == 1
    assert "Set IMAP_HOST, IMAP_USERNAME, IMAP_PASSWORD" in result.output


def fetch_every_tenth_of_a_second(database_url: str, imap_settings: dict) -> None:
    """``flask mail fetch --interval 0.1`` in a process of its own, until it is stopped."""
    app = app_for(database_url, **imap_settings)
    app.test_cli_runner().invoke(args=["mail", "fetch", "--interval", "0.1"])


def folder_exists(dovecot: Dovecot, user: str, folder: str) -> bool:
    with dovecot.mailbox(user) as mailbox:
        return mailbox.list('""', f'"{folder}"')[1] != [None]


def messages_in(dovecot: Dovecot, user: str, folder: str) -> int:
    """How many messages ``folder`` holds (0 while it does not exist)."""
    with dovecot.mailbox(user) as mailbox:
        status, data = mailbox.select(f'"{folder}"', readonly=True)
    return int(data[0]) if status == "OK" else 0


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.long
def test_flask_mail_fetch_with_an_interval_keeps_reading_after_the_mailbox_failed(
        app, dovecot, mailbox_user):
    point_app_at(app, dovecot, mailbox_user, IMAP_FOLDER="Replies")
    imap_settings = {name: value for name, value in app.config.items()
                     if name.startswith("IMAP_")}
    process = process_context().Process(
        target=fetch_every_tenth_of_a_second,
        args=(app.config["SQLALCHEMY_DATABASE_URI"], imap_settings))
    process.start()
    try:
        # A round has run once it made the processed folder; the rounds fail while there
        # is no folder "Replies", and the command goes on.
        assert wait_for(lambda: folder_exists(dovecot, mailbox_user, "Processed"))
        time.sleep(0.3)
        assert process.is_alive()
        with dovecot.mailbox(mailbox_user) as mailbox:
            assert mailbox.create("Replies")[0] == "OK"
        put_in_mailbox(dovecot, mailbox_user, reply(1), folder="Replies")

        assert wait_for(lambda: messages_in(dovecot, mailbox_user, "Processed") == 1)
        put_in_mailbox(dovecot, mailbox_user, reply(2), folder="Replies")
        assert wait_for(lambda: messages_in(dovecot, mailbox_user, "Processed") == 2)
    finally:
        process.terminate()
        stop_processes([process], 5)
    assert folder_contents(dovecot, mailbox_user, "Replies") == {}


@pytest.mark.parametrize("client", ["gmail", "thunderbird", "outlook"])
def test_a_calendar_answer_read_from_the_mailbox_is_applied(
        app, dovecot, mailbox_user, make_organiser, make_event, make_activity, make_contact,
        make_invitation, client):
    """End to end: a guest's calendar program answers to the invitation's reply address,
    the mail server delivers it to the mailbox, ``flask mail fetch`` reads it."""
    owner = make_organiser()
    event = make_event(owner, status="published")
    race = make_activity(event, name="Stair race")
    invitation = make_invitation(event, make_contact(owner, email=mail_samples.GUEST))
    with app.app_context():
        address = reply_address(db.session.get(Invitation, invitation.id))
        uid = part_uid(db.session.get(Activity, race.id))
    put_in_mailbox(dovecot, mailbox_user, b"Delivered-To: " + address.encode() + b"\r\n"
                   + mail_samples.reply(client, to=address, uid=uid, partstat="DECLINED"))
    point_app_at(app, dovecot, mailbox_user)

    result = app.test_cli_runner().invoke(args=["mail", "fetch"])

    assert result.output == "read 1 messages, 0 failed\n"
    with app.app_context():
        assert db.session.scalars(select(IncomingMail.outcome)).one() is \
            IncomingOutcome.APPLIED
        stored = db.session.get(Invitation, invitation.id)
        assert stored.answer_for(db.session.get(Activity, race.id)) is AnswerStatus.NO

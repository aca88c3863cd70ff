"""``flask mail receive``: the SMTP and LMTP server the mail server hands the reply domain
to, spoken to over real sockets with Python's smtplib, as Postfix or Exim would."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from eventplanner.extensions import db
from eventplanner.inbox.listener import start_listener
from eventplanner.inbox.models import IncomingMail, IncomingOutcome
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.invitations.reply_address import reply_address
from tests.conftest import free_port
from tests.test_inbox import answers, calendar_reply, stair_race  # noqa: F401 (a fixture)


@pytest.fixture(params=["smtp", "lmtp"])
def listener(app, request) -> Iterator[smtplib.SMTP]:
    """The listener on a free loopback port, and a client connected to it."""
    port = free_port()
    lmtp = request.param == "lmtp"
    controller = start_listener(app, "127.0.0.1", port, lmtp=lmtp)
    client = (smtplib.LMTP if lmtp else smtplib.SMTP)("127.0.0.1", port, timeout=10)
    if lmtp:
        client.ehlo_or_helo_if_needed()
    try:
        yield client
    finally:
        client.close()
        controller.stop()


def test_an_answer_sent_over_smtp_or_lmtp_is_applied(app, stair_race, listener):  # noqa: F811
    address = stair_race["address"]
    refused = listener.sendmail("kari@client.example", [address], calendar_reply(
        to=address, attendee="kari@client.example", uid=stair_race["race_uid"]))
    assert refused == {}
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.YES}
    with app.app_context():
        assert db.session.query(IncomingMail).one().outcome is IncomingOutcome.APPLIED


def test_mail_for_other_addresses_is_refused_at_once(app, stair_race, listener):  # noqa: F811
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        listener.sendmail("spammer@example.org", ["ceo@reply.example.com", "x@example.org"],
                          b"Subject: hello\r\n\r\nhi\r\n")
    codes = {code for code, _ in refused.value.recipients.values()}
    assert codes == {550}
    with app.app_context():
        assert db.session.query(IncomingMail).count() == 0


@pytest.mark.settings(INBOUND_MAX_BYTES=2000)
def test_a_database_that_cannot_take_the_mail_asks_the_sender_to_retry(
        app, stair_race, backend):  # noqa: F811
    if backend.name != "sqlite":
        pytest.skip("renames a table of this test's own SQLite copy")
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port)
    address = stair_race["address"]
    raw = calendar_reply(to=address, attendee="kari@client.example", uid=stair_race["race_uid"])
    try:
        with app.app_context():
            db.session.execute(text("ALTER TABLE incoming_mail RENAME TO incoming_mail_away"))
            db.session.commit()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPDataError) as later:
                client.sendmail("kari@client.example", [address], raw)
        assert later.value.smtp_code == 451
        with app.app_context():
            db.session.execute(text("ALTER TABLE incoming_mail_away RENAME TO incoming_mail"))
            db.session.commit()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.sendmail("kari@client.example", [address], raw) == {}
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPSenderRefused) as too_big:  # SIZE (RFC 1870)
                client.sendmail("kari@client.example", [address], raw + b"x" * 9000)
        assert too_big.value.smtp_code == 552
    finally:
        controller.stop()
    assert answers(app, stair_race["invitation_id"]) == {"Stair race": AnswerStatus.YES}


def test_the_cli_refuses_to_start_without_a_reply_domain(app):
    app.config["REPLY_DOMAIN"] = ""
    try:
        result = app.test_cli_runner().invoke(args=["mail", "receive", "--port", "1"])
    finally:
        app.config["REPLY_DOMAIN"] = "reply.example.com"
    assert result.exit_code == 2 and "REPLY_DOMAIN" in result.output


def lmtp_session(port: int, recipients: list[str], raw: bytes) -> list[bytes]:
    """An LMTP transaction spoken by hand (smtplib reads one reply after DATA): the
    replies after the end of the data."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        reader = connection.makefile("rb")

        def reply() -> bytes:
            lines = [reader.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(reader.readline())
            return lines[-1]

        reply()  # the greeting
        for command in (b"LHLO mx.example.org", b"MAIL FROM:<guest@client.example>",
                        *[b"RCPT TO:<" + r.encode() + b">" for r in recipients], b"DATA"):
            connection.sendall(command + b"\r\n")
            reply()
        connection.sendall(raw.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
        return [reply() for _ in recipients]


def test_lmtp_answers_once_per_recipient(app, stair_race, make_contact,  # noqa: F811
                                         make_invitation):
    second = make_invitation(stair_race["event"], make_contact(stair_race["owner"]))
    with app.app_context():
        other_address = reply_address(db.session.get(Invitation, second.id))
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port, lmtp=True)
    try:
        replies = lmtp_session(port, [stair_race["address"], other_address], calendar_reply(
            to=stair_race["address"], attendee="kari@client.example",
            uid=stair_race["race_uid"]))
    finally:
        controller.stop()
    assert [line[:3] for line in replies] == [b"250", b"250"]
    with app.app_context():
        assert db.session.query(IncomingMail).count() == 2


@pytest.mark.settings(INBOUND_MAX_PARTS="twenty")  # a setting that breaks reading
def test_any_failure_asks_the_sender_to_retry_and_tells_nothing_of_it(
        app, stair_race):  # noqa: F811
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPDataError) as later:
                client.sendmail("kari@client.example", [stair_race["address"]],
                                calendar_reply(to=stair_race["address"],
                                               attendee="kari@client.example",
                                               uid=stair_race["race_uid"]))
    finally:
        controller.stop()
    assert later.value.smtp_code == 451
    assert b"TypeError" not in later.value.smtp_error

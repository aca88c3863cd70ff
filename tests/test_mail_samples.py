"""The corpus of answers, bounces and auto-replies (``mail_samples``) is what it claims to be:
each sample parses cleanly with Python's ``email``, its calendar parts parse with icalendar and
say what the builder was asked for, and the delivery reports are RFC 3464 reports. These
tests check the samples, not the app."""

from __future__ import annotations

import quopri
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import icalendar
import pytest

from tests import mail_samples as samples

TO = "rsvp+42-Zx9cQ1@reply.example.com"
GUEST = "Guest.Person@example.org"
UID = "activity-7@eventplanner.test"

EVERY_BUILDER: dict[str, Callable[[], bytes]] = {
    **{f"reply_{client}": (lambda client=client: samples.reply(client, to=TO, attendee=GUEST,
                                                               uid=UID))
       for client in samples.CLIENTS},
    "counter_outlook": lambda: samples.counter("outlook", to=TO, attendee=GUEST, uid=UID),
    "counter_rfc5546": lambda: samples.counter("rfc5546", to=TO, attendee=GUEST, uid=UID),
    **{f"bounce_{kind}": (lambda kind=kind: samples.bounce(kind, to=TO, failed_recipient=GUEST))
       for kind in samples.BOUNCES},
    **{f"auto_{kind}": (lambda kind=kind: samples.auto_reply(kind, to=TO, from_address=GUEST))
       for kind in samples.AUTO_REPLIES},
    "plain_text_reply": lambda: samples.plain_text_reply(to=TO, from_address=GUEST),
    "html_only": lambda: samples.html_only(to=TO, from_address=GUEST),
    "not_icalendar": lambda: samples.not_icalendar(to=TO, from_address=GUEST),
    "broken_icalendar": lambda: samples.broken_icalendar(to=TO, from_address=GUEST),
    "reply_with_two_uids": lambda: samples.reply_with_two_uids(to=TO, attendee=GUEST),
    "reply_without_attendee": lambda: samples.reply_without_attendee(to=TO, from_address=GUEST),
    "reply_with_method_request": lambda: samples.reply_with_method_request(to=TO,
                                                                           attendee=GUEST),
    "huge": lambda: samples.huge(300_000, to=TO, attendee=GUEST),
    "many_attachments": lambda: samples.many_attachments(30, to=TO, attendee=GUEST),
    "non_utf8": lambda: samples.non_utf8(to=TO, attendee=GUEST),
}


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=email_policy.default)


def calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    """The text/calendar parts and the .ics attachments."""
    return [part for part in message.walk()
            if part.get_content_type() in ("text/calendar", "application/ics")]


def calendars(message: EmailMessage) -> list[icalendar.Calendar]:
    return [icalendar.Calendar.from_ical(part.get_content() if part.get_content_maintype()
                                         == "text" else part.get_content().decode("utf-8"))
            for part in calendar_parts(message)]


def address(value: object) -> str:
    return str(value).lower().removeprefix("mailto:")


@pytest.mark.parametrize("name", sorted(EVERY_BUILDER))
def test_every_sample_parses_without_defects_and_has_real_headers(name: str) -> None:
    raw = EVERY_BUILDER[name]()
    message = parsed(raw)

    assert b"\n" not in raw.replace(b"\r\n", b"")
    for part in message.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert message[header], header
    assert message["MIME-Version"] == "1.0"
    assert parsed(EVERY_BUILDER[name]())["Message-ID"] != message["Message-ID"]


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED", "TENTATIVE"])
@pytest.mark.parametrize("client", samples.CLIENTS)
def test_each_reply_names_one_uid_and_the_attendee_answer(client: str, partstat: str) -> None:
    message = parsed(samples.reply(client, to=TO, attendee=GUEST, uid=UID, partstat=partstat,
                                   sequence=3, comment="Looking forward; see you"))

    found = calendars(message)
    assert found
    for calendar in found:
        assert calendar["METHOD"] == "REPLY"
        events = calendar.walk("VEVENT")
        assert [str(event["UID"]) for event in events] == [UID]
        attendees = events[0].get("ATTENDEE")
        assert not isinstance(attendees, list)
        assert address(attendees) == GUEST.lower()
        assert attendees.params["PARTSTAT"] == partstat
        assert int(events[0]["SEQUENCE"]) == 3
    for part in calendar_parts(message):
        if part.get_content_type() == "text/calendar":
            assert part.get_param("method").upper() == "REPLY"


@pytest.mark.parametrize("client", samples.CLIENTS)
def test_names_outside_ascii_survive_every_client(client: str) -> None:
    message = parsed(samples.reply(client, attendee_name="Åse Ødegård, Bergen",
                                   summary="Trappeløp", comment="Gjerne!"))

    for calendar in calendars(message):
        attendee = calendar.walk("VEVENT")[0]["ATTENDEE"]
        assert attendee.params["CN"] == "Åse Ødegård, Bergen"


@pytest.mark.parametrize("client", samples.CLIENTS)
def test_the_organizer_is_the_reply_address_except_from_outlook_com(client: str) -> None:
    event = calendars(parsed(samples.reply(client, to=TO)))[0].walk("VEVENT")[0]

    if client == "outlook_com":
        assert "ORGANIZER" not in event
    else:
        assert address(event["ORGANIZER"]) == TO.lower()


@pytest.mark.parametrize("start", [datetime(2031, 10, 25, 18, 0, tzinfo=samples.OSLO),
                                   datetime(2031, 12, 5, 9, 15, tzinfo=samples.OSLO)],
                         ids=["summer", "winter"])
@pytest.mark.parametrize("client", ["outlook", "outlook_com", "gmail", "apple", "thunderbird"])
def test_the_reply_times_are_the_given_instants_whatever_the_zone_form(
        client: str, start: datetime) -> None:
    raw = samples.reply(client, dtstart=start, dtend=start + timedelta(hours=2))
    event = calendars(parsed(raw))[0].walk("VEVENT")[0]

    assert event.decoded("DTSTART").astimezone(UTC) == start.astimezone(UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)


def test_icloud_replies_carry_no_times() -> None:
    event = calendars(parsed(samples.reply("icloud")))[0].walk("VEVENT")[0]

    assert "DTSTART" not in event and "SUMMARY" not in event
    assert str(event["REQUEST-STATUS"]).startswith("2.0")


def test_outlook_sends_the_calendar_in_base64_with_windows_zone_names() -> None:
    message = parsed(samples.reply("outlook", comment="Gladly"))
    part = calendar_parts(message)[0]

    assert message.get_content_type() == "multipart/alternative"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert 'TZID="W. Europe Standard Time"' in part.get_content()
    assert "X-MICROSOFT-CDO-APPT-SEQUENCE:0" in part.get_content()
    assert str(calendars(message)[0].walk("VEVENT")[0]["COMMENT"]) == "Gladly"
    assert message["Subject"] == "Accepted: Stair race"
    assert message["Thread-Topic"] == "Stair race"


def test_outlook_com_folds_with_tabs_in_quoted_printable() -> None:
    part = calendar_parts(parsed(samples.reply("outlook_com", attendee_name="Kari " * 12)))[0]
    decoded = quopri.decodestring(part.get_payload().encode()).decode()

    assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert "\r\n\t" in decoded
    assert "PRODID:Microsoft Exchange Server 2010" in decoded


def test_gmail_puts_the_note_on_the_attendee_and_attaches_invite_ics() -> None:
    message = parsed(samples.reply("gmail", comment="See you there", summary="Stair race"))
    event = calendars(message)[0].walk("VEVENT")[0]
    attachment = [part for part in message.walk() if part.get_filename() == "invite.ics"]

    assert event["ATTENDEE"].params["X-RESPONSE-COMMENT"] == "See you there"
    assert event["ATTENDEE"].params["X-NUM-GUESTS"] == "0"
    assert str(event["DTSTART"].to_ical(), "ascii").endswith("Z")
    assert attachment and attachment[0].get_content_type() == "application/ics"
    assert message["Subject"].startswith("Accepted: Stair race @ ")


def test_thunderbird_and_apple_shapes() -> None:
    thunderbird = parsed(samples.reply("thunderbird"))
    apple = parsed(samples.reply("apple"))

    assert [part.get_content_type() for part in thunderbird.walk()] == [
        "multipart/mixed", "text/plain", "text/calendar", "application/ics"]
    assert "Mozilla Calendar" in str(calendars(thunderbird)[0]["PRODID"])
    assert str(calendars(apple)[0]["PRODID"]).startswith("-//Apple Inc.//")
    assert "X-WR-RELCALID" in calendars(apple)[0]
    assert calendars(apple)[0].walk("VEVENT")[0]["ATTENDEE"].params["EMAIL"] == \
        samples.GUEST


def test_reply_from_another_address_than_the_attendee() -> None:
    message = parsed(samples.reply("gmail", attendee=GUEST, from_address="alias@example.net"))

    assert message["From"].addresses[0].addr_spec == "alias@example.net"
    assert address(calendars(message)[0].walk("VEVENT")[0]["ATTENDEE"]) == GUEST.lower()


@pytest.mark.parametrize("client", ["outlook", "rfc5546"])
def test_a_counter_proposes_the_new_time(client: str) -> None:
    new_start = datetime(2031, 6, 12, 19, 0, tzinfo=samples.OSLO)
    message = parsed(samples.counter(client, to=TO, attendee=GUEST, uid=UID,
                                     new_start=new_start,
                                     new_end=new_start + timedelta(hours=1)))
    calendar = calendars(message)[0]
    event = calendar.walk("VEVENT")[0]

    assert calendar["METHOD"] == "COUNTER"
    assert str(event["UID"]) == UID
    assert event.decoded("DTSTART") == new_start
    if client == "outlook":
        assert message["Subject"] == "New Time Proposed: Stair race"
        assert "X-MS-OLK-ORIGINALSTART" in event


def delivery_status(message: EmailMessage) -> tuple[EmailMessage, list[EmailMessage]]:
    """The per-message block and the per-recipient blocks of the report."""
    [status] = [part for part in message.walk()
                if part.get_content_type() == "message/delivery-status"]
    blocks = status.get_payload()
    return blocks[0], blocks[1:]


@pytest.mark.parametrize(("kind", "action", "status_class"), [
    ("postfix", "failed", "5"), ("exchange", "failed", "5"), ("gmail", "failed", "5"),
    ("delay", "delayed", "4"), ("soft", "failed", "4")])
def test_bounces_are_delivery_status_reports(kind: str, action: str, status_class: str) -> None:
    original = "<invitation-1@example.com>"
    message = parsed(samples.bounce(kind, to=TO, failed_recipient=GUEST,
                                    original_message_id=original))
    per_message, recipients = delivery_status(message)

    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    assert message["To"].addresses[0].addr_spec == TO
    assert per_message["Reporting-MTA"]
    [recipient] = recipients
    assert recipient["Final-Recipient"].split(";")[1].strip() == GUEST
    assert recipient["Action"] == action
    assert recipient["Status"].startswith(status_class + ".")
    assert original in message.as_string()


def test_bounce_kinds_carry_their_vendor_marks() -> None:
    exchange = parsed(samples.bounce("exchange"))
    gmail = parsed(samples.bounce("gmail", failed_recipient=GUEST))
    postfix = parsed(samples.bounce("postfix", status="5.2.1", diagnostic="550 5.2.1 disabled"))

    assert "X-MS-Exchange-Message-Is-Ndr" in exchange
    assert exchange["Subject"].startswith("Undeliverable:")
    assert gmail["From"].addresses[0].addr_spec == "mailer-daemon@googlemail.com"
    assert gmail["X-Failed-Recipients"] == GUEST
    assert delivery_status(postfix)[1][0]["Status"] == "5.2.1"
    assert "550 5.2.1 disabled" in delivery_status(postfix)[1][0]["Diagnostic-Code"]


@pytest.mark.parametrize(("kind", "header", "value"), [
    ("exchange_oof", "Auto-Submitted", "auto-replied"),
    ("gmail_vacation", "Auto-Submitted", "auto-replied"),
    ("precedence", "Precedence", "auto_reply"),
    ("x_autoreply", "X-Autoreply", "yes"),
    ("x_autorespond", "X-Autorespond", None),
    ("auto_generated_reply_with_calendar", "Auto-Submitted", "auto-generated")])
def test_auto_replies_carry_their_mark(kind: str, header: str, value: str | None) -> None:
    message = parsed(samples.auto_reply(kind, to=TO, from_address=GUEST, uid=UID))

    assert message[header] is not None
    if value is not None:
        assert message[header] == value
    has_calendar = bool(calendar_parts(message))
    assert has_calendar == (kind == "auto_generated_reply_with_calendar")
    if has_calendar:
        event = calendars(message)[0].walk("VEVENT")[0]
        assert str(event["UID"]) == UID and event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    if kind == "exchange_oof":
        assert message["Subject"] == "Automatic reply: Re: Invitation"
        assert message["X-Auto-Response-Suppress"] == "All"
    if kind == "precedence":
        assert "Auto-Submitted" not in message


def test_hand_written_answers_have_no_calendar() -> None:
    plain = parsed(samples.plain_text_reply(body="Yes please!"))
    html = parsed(samples.html_only())

    assert not calendar_parts(plain) and not calendar_parts(html)
    assert plain.get_content().strip() == "Yes please!"
    assert html.get_content_type() == "text/html"


def test_garbage_and_broken_calendars_do_not_parse() -> None:
    for raw in (samples.not_icalendar(), samples.broken_icalendar()):
        [part] = calendar_parts(parsed(raw))
        assert part.get_param("method") == "REPLY"
        with pytest.raises(ValueError):
            icalendar.Calendar.from_ical(part.get_content())


def test_malformed_but_parsable_replies() -> None:
    two = calendars(parsed(samples.reply_with_two_uids(uids=("a@x", "b@x"))))[0]
    without = calendars(parsed(samples.reply_without_attendee()))[0]
    request_message = parsed(samples.reply_with_method_request(attendee=GUEST))
    request = calendars(request_message)[0]

    assert [str(event["UID"]) for event in two.walk("VEVENT")] == ["a@x", "b@x"]
    assert "ATTENDEE" not in without.walk("VEVENT")[0]
    assert request["METHOD"] == "REQUEST"
    assert calendar_parts(request_message)[0].get_param("method") == "REQUEST"
    assert request.walk("VEVENT")[0]["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"


def test_huge_and_many_attachments_still_hold_a_valid_reply() -> None:
    huge = samples.huge(1_000_000, uid=UID)
    many = parsed(samples.many_attachments(40, uid=UID))

    assert 1_000_000 <= len(huge) < 1_000_000 + 20_000
    assert str(calendars(parsed(huge))[0].walk("VEVENT")[0]["UID"]) == UID
    assert len([part for part in many.walk() if part.get_filename()]) == 41  # + invite.ics
    assert str(calendars(many)[0].walk("VEVENT")[0]["UID"]) == UID


def test_a_latin_1_calendar_part_reads_correctly() -> None:
    message = parsed(samples.non_utf8(attendee_name="Åse Ødegård", summary="Trappeløp"))
    [part] = calendar_parts(message)
    raw = quopri.decodestring(part.get_payload().encode())

    assert part.get_content_charset() == "iso-8859-1"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["CN"] == "Åse Ødegård"
    assert str(event["SUMMARY"]) == "Trappeløp"


def test_dtstamp_and_message_id_can_be_fixed() -> None:
    stamp = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
    message = parsed(samples.reply("thunderbird", dtstamp=stamp, message_id="<fixed@example.org>"))

    assert message["Message-ID"] == "<fixed@example.org>"
    assert calendars(message)[0].walk("VEVENT")[0].decoded("DTSTAMP") == stamp

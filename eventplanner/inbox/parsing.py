"""Reading an email that came back: its headers, its calendar object, its delivery report.

Plain functions over bytes and text: no Flask, no database. Nothing here trusts its input:
an email or calendar object that cannot be read raises ``Unreadable`` with a reason code.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from icalendar import Calendar

from eventplanner.invitations.reply_address import invitation_id_in

#: Headers that say which address an email was delivered to, most telling first.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
#: Content types a calendar object comes in.
CALENDAR_TYPES = ("text/calendar", "application/ics")
#: Subjects of automatic replies from programs that do not say so in a header.
AUTOMATIC_SUBJECTS = ("automatic reply", "auto reply", "autoreply", "auto-reply",
                      "out of office", "out of the office", "abwesenheitsnotiz",
                      "automatische antwort", "automatisk svar", "autosvar",
                      "fraværsmelding", "fraværende")
#: Senders of delivery reports that carry no machine-readable report.
REPORTING_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon")
#: How much of a person's message the organiser sees.
EXCERPT_CHARACTERS = 2000
#: The largest SEQUENCE kept (the database's integer); beyond it the object is malformed.
MAX_SEQUENCE = 2**31 - 1
_ERRORS = (ValueError, TypeError, LookupError, IndexError, MessageError, AttributeError)


class Unreadable(Exception):
    """The email or its calendar object cannot be read; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's line of a delivery report (RFC 3464 2.3)."""

    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def is_permanent(self) -> bool:
        """Failed for good: a 5.x.x status (a 4.x.x failure may pass later)."""
        return self.action == "failed" and self.status.startswith("5")


@dataclass(frozen=True)
class ReadEmail:
    message_id: str
    sender: str
    subject: str
    calendars: tuple[str, ...]
    text: str
    delivery_reports: tuple[DeliveryStatus, ...]
    #: A delivery report of any form (RFC 3464, or a mailer daemon's own words).
    is_bounce: bool
    #: Sent by a program on its own (RFC 3834 and the headers programs use instead).
    is_automatic: bool


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    partstat: str
    comment: str


@dataclass(frozen=True)
class CalendarMessage:
    """The one scheduling object of an iTIP message."""

    method: str
    uid: str
    sequence: int
    stamped_at: datetime | None
    attendees: tuple[Attendee, ...]
    comment: str
    starts_at: datetime | None
    ends_at: datetime | None


def message_id_of(raw: bytes, headers: Message) -> str:
    """The Message-ID, or the email's digest when it has none (the same email read twice
    gives the same value either way)."""
    value = _header(headers, "Message-ID").strip()
    return value[:300] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


def header_recipients(raw: bytes) -> list[str]:
    """The reply addresses of this app that an email names in its delivery headers, the
    most telling first: for mail read from a mailbox, which keeps no envelope."""
    headers = read_headers(raw)
    found: list[str] = []
    for name in RECIPIENT_HEADERS:
        values = [str(value) for value in (headers.get_all(name) or [])]
        for _, address in getaddresses(values):
            address = address.strip().lower()
            if address and address not in found and invitation_id_in(address) is not None:
                found.append(address)
    return found


def read_headers(raw: bytes) -> Message:
    return BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def sender_and_subject(message: Message) -> tuple[str, str]:
    """The From address (lower case) and the decoded Subject, cut to what is kept."""
    return (_address(_header(message, "From")),
            " ".join(_decoded(_header(message, "Subject")).split())[:300])


def read_email(raw: bytes, max_parts: int) -> ReadEmail:
    """The parts of an email that matter here. ``Unreadable("too_many_parts")`` beyond
    ``max_parts`` MIME parts, ``Unreadable("malformed")`` when it is not an email."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        parts = list(message.walk())
    except (*_ERRORS, RecursionError) as error:
        raise Unreadable("malformed") from error
    if len(parts) > max_parts:
        raise Unreadable("too_many_parts")
    reports = _delivery_reports(parts)
    sender, subject = sender_and_subject(message)
    is_report = any(part.get_content_type() == "multipart/report"
                    and (part.get_param("report-type") or "").lower() == "delivery-status"
                    for part in parts)
    return ReadEmail(
        message_id=message_id_of(raw, message), sender=sender, subject=subject,
        calendars=_calendars(parts), text=_plain_text(parts),
        delivery_reports=reports,
        is_bounce=is_report or bool(reports)
        or sender.partition("@")[0].lower() in REPORTING_SENDERS,
        is_automatic=_is_automatic(message, subject))


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except _ERRORS:
        return ""


def _decoded(value: str) -> str:
    """A header's text with its encoded words (RFC 2047) decoded."""
    try:
        return str(make_header(decode_header(value)))
    except _ERRORS:
        return value


def _address(value: str) -> str:
    return parseaddr(value)[1].strip().lower()[:254]


def _is_automatic(message: Message, subject: str) -> bool:
    """RFC 3834's Auto-Submitted (anything but "no", comments aside), and what programs
    without it send: X-Autoreply, X-Autorespond, Precedence auto_reply, bulk or junk, or a
    subject that says so."""
    auto_submitted = _header(message, "Auto-Submitted").split("(")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    return subject.lower().startswith(AUTOMATIC_SUBJECTS)


def _text_of(part: Message) -> str:
    """A part's text, its transfer encoding undone, in its own character set (UTF-8 when
    it names an unknown one)."""
    try:
        content = part.get_payload(decode=True)
    except _ERRORS:
        return ""
    if not isinstance(content, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _calendars(parts: list[Message]) -> tuple[str, ...]:
    """The calendar objects, each once (Gmail and Thunderbird send the same one inline and
    as a file), the inline one first: it is the one with the method."""
    found: list[str] = []
    for part in sorted((p for p in parts if p.get_content_type() in CALENDAR_TYPES),
                       key=lambda p: p.get_content_disposition() == "attachment"):
        text = _text_of(part)
        if text.strip() and text not in found:
            found.append(text)
    return tuple(found)


def _plain_text(parts: list[Message]) -> str:
    for part in parts:
        if part.get_content_type() == "text/plain" and part.get_content_disposition() != \
                "attachment":
            return _text_of(part).strip()[:EXCERPT_CHARACTERS]
    return ""


def _delivery_reports(parts: list[Message]) -> tuple[DeliveryStatus, ...]:
    """Each recipient's status from the message/delivery-status parts (RFC 3464)."""
    statuses = []
    for part in parts:
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks[1:]:  # the first block is about the message, then recipients
            statuses.append(DeliveryStatus(
                recipient=_report_address(_header(block, "Final-Recipient")
                                          or _header(block, "Original-Recipient")),
                action=_header(block, "Action").strip().lower(),
                status=_header(block, "Status").strip().split(" ")[0][:20],
                diagnostic=" ".join(_header(block, "Diagnostic-Code").split())[:250]))
    return tuple(statuses)


def _report_address(value: str) -> str:
    """``rfc822; kari@example.com`` -> ``kari@example.com``."""
    return value.partition(";")[2].strip().strip("<>").lower() if ";" in value \
        else value.strip().strip("<>").lower()


def read_calendar(text: str) -> CalendarMessage:
    """The scheduling object in a calendar part. ``Unreadable`` with "malformed" (not
    iCalendar), "no_event" (no VEVENT) or "several_uids" (more than one UID: not one
    iTIP message)."""
    try:
        calendar = Calendar.from_ical(text)
        events = calendar.walk("VEVENT")
    except (*_ERRORS, RecursionError) as error:
        raise Unreadable("malformed") from error
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise Unreadable("malformed")
    if not events:
        raise Unreadable("no_event")
    uids = {str(event.get("UID", "")).strip() for event in events}
    if len(uids) != 1 or "" in uids:
        raise Unreadable("several_uids" if len(uids) > 1 else "malformed")
    event = events[0]
    try:
        sequence = int(str(event.get("SEQUENCE", 0)).strip() or 0)
        if not 0 <= sequence <= MAX_SEQUENCE:
            raise Unreadable("malformed")
        return CalendarMessage(
            method=str(calendar.get("METHOD", "")).strip().upper(),
            uid=uids.pop()[:255], sequence=sequence,
            stamped_at=_instant(event, "DTSTAMP"),
            attendees=tuple(_attendees(event)),
            comment=" ".join(str(event.get("COMMENT", "")).split())[:EXCERPT_CHARACTERS],
            starts_at=_instant(event, "DTSTART"), ends_at=_instant(event, "DTEND"))
    except _ERRORS as error:
        raise Unreadable("malformed") from error


def _instant(event, name: str) -> datetime | None:
    """A date-time property as an aware instant (a floating time is read as UTC); None
    when missing or not a date-time."""
    prop = event.get(name)
    if prop is None:
        return None
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _attendees(event) -> list[Attendee]:
    found = event.get("ATTENDEE")
    if found is None:
        return []
    values = found if isinstance(found, list) else [found]
    attendees = []
    for value in values:
        address = str(value).strip()
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:"):]
        params = getattr(value, "params", {})
        attendees.append(Attendee(
            email=address.strip().lower()[:254], name=str(params.get("CN", ""))[:120],
            partstat=str(params.get("PARTSTAT", "")).strip().upper()[:20],
            comment=" ".join(str(params.get("X-RESPONSE-COMMENT", "")).split())
            [:EXCERPT_CHARACTERS]))
    return attendees

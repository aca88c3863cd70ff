"""Emails that calendar programs and mail servers send back to an invitation, as bytes.

A corpus for the incoming side (``eventplanner.inbox``): iMIP answers (RFC 6047) in the shapes
Outlook, Outlook.com, Google Calendar, Apple Calendar and Thunderbird send, COUNTER proposals,
delivery reports (RFC 3464), automatic replies (RFC 3834) and the bad mail an open address gets.
Each builder's docstring names where its shape comes from; where a detail is only what is
commonly seen (not documented by the vendor), it says so. Nothing here is copied from captured
mail: the builders write the documented structure with our own content.

Plain functions, no fixtures, keyword arguments with defaults, CRLF on the wire
(``email.policy.SMTP``). Every call makes a new Message-ID unless one is given.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
REPLY_ADDRESS = "rsvp+1-abcdefghij@reply.example.com"
GUEST = "kari.nordmann@example.org"
PART_UID = "activity-1@eventplanner.test"
HOST_NAME = "Ola Vert"
START = datetime(2031, 6, 12, 18, 0, tzinfo=OSLO)
END = datetime(2031, 6, 12, 19, 30, tzinfo=OSLO)
CLIENTS = ("outlook", "outlook_com", "gmail", "apple", "icloud", "thunderbird")
BOUNCES = ("postfix", "exchange", "gmail", "delay", "soft")
AUTO_REPLIES = ("exchange_oof", "gmail_vacation", "precedence", "x_autoreply", "x_autorespond",
                "auto_generated_reply_with_calendar")

#: The English subject prefix each program writes for a PARTSTAT.
_OUTLOOK_PREFIX = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}
_GOOGLE_PREFIX = {"ACCEPTED": "Accepted", "DECLINED": "Declined",
                  "TENTATIVE": "Tentatively Accepted"}
_VERB = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentatively accepted"}


# --- iCalendar text -------------------------------------------------------------------------

def fold(line: str, continuation: str = " ") -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character;
    ``continuation`` is the space or TAB that starts each continued line (both are allowed)."""
    pieces, current = [], ""
    for character in line:
        if len((current + character).encode("utf-8")) > 75:
            pieces.append(current)
            current = continuation
        current += character
    pieces.append(current)
    return "\r\n".join(pieces)


def ics(lines: Sequence[str], continuation: str = " ") -> str:
    """Content lines as an iCalendar text: folded, CRLF after every line."""
    return "".join(fold(line, continuation) + "\r\n" for line in lines)


def text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def quoted(value: str, always: bool = False) -> str:
    """A parameter value, in double quotes when it holds ``:``, ``;`` or ``,`` (RFC 5545
    3.2) or when the program always quotes (Apple quotes CN)."""
    return f'"{value}"' if always or any(c in value for c in ":;,") else value


def local(moment: datetime, zone: ZoneInfo = OSLO) -> str:
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _oslo_vtimezone(daylight_since: str, standard_since: str,
                    extra: Sequence[str] = ()) -> list[str]:
    """Europe/Oslo as IANA-named clients write it (Apple from 1981/1996, Mozilla from 1970)."""
    return ["BEGIN:VTIMEZONE", "TZID:Europe/Oslo", *extra,
            "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
            f"DTSTART:{daylight_since}", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
            "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
            f"DTSTART:{standard_since}", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD", "END:VTIMEZONE"]


#: Outlook's own VTIMEZONE for Oslo's Windows zone: rules from 1601, INTERVAL=1 ([MS-OXCICAL]
#: 2.1.3.1.1.19, VTIMEZONE built from PidLidAppointmentTimeZoneDefinitionStartDisplay).
WINDOWS_ZONE = "W. Europe Standard Time"
_WINDOWS_VTIMEZONE = [
    "BEGIN:VTIMEZONE", f"TZID:{WINDOWS_ZONE}",
    "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]


# --- MIME helpers ---------------------------------------------------------------------------

def _leaf(content: str | bytes, content_type: str, *, cte: str, charset: str = "utf-8",
          params: dict[str, str] | None = None, filename: str | None = None,
          disposition: str | None = None, header: str | None = None) -> MIMEPart:
    """One body part. Text is encoded in ``charset`` with CRLF line ends; bytes as they are.
    ``header`` is the Content-Type header exactly as the program writes it."""
    maintype, subtype = content_type.split("/")
    part = MIMEPart(policy=SMTP)
    if isinstance(content, str) and maintype == "text":
        part.set_content(content, subtype=subtype, charset=charset, cte=cte,
                         params=params or {})
    else:
        data = content.encode(charset) if isinstance(content, str) else content
        part.set_content(data, maintype=maintype, subtype=subtype, cte=cte,
                         params=params or {})
    if filename is not None:
        part.set_param("name", filename)
        part["Content-Disposition"] = f'{disposition or "attachment"}; filename="{filename}"'
    elif disposition:
        part["Content-Disposition"] = disposition
    if header is not None:
        _raw_header(part, "Content-Type", header)
    return part


def _raw_header(part: MIMEPart, name: str, value: str) -> None:
    """Put ``name: value`` in ``part`` as source text, kept byte for byte on output (as a
    parsed header is) instead of being rebuilt, which would quote every parameter."""
    raw = SMTP.header_source_parse([f"{name}: {value}\r\n"])
    position = [key.lower() for key, _ in part._headers].index(name.lower())
    part._headers[position] = raw


def _multipart(subtype: str, *parts: MIMEPart, boundary: str | None = None) -> MIMEPart:
    """A multipart/``subtype`` of ``parts``, with the boundary style of the program."""
    container = MIMEPart(policy=SMTP)
    container["Content-Type"] = f"multipart/{subtype}"
    if boundary:
        container.set_boundary(boundary)
    for part in parts:
        container.attach(part)
    return container


def _envelope(body: MIMEPart, *, from_address: str, to: str, subject: str,
              message_id: str | None, from_name: str = "", domain: str = "",
              in_reply_to: str | None = None, extra: Sequence[tuple[str, str]] = ()) -> bytes:
    """The top-level headers put on ``body``, which is serialised with CRLFs."""
    domain = domain or from_address.rpartition("@")[2] or "example.org"
    headers = [("From", formataddr((from_name, from_address))), ("To", to),
               ("Subject", subject), ("Date", format_datetime(datetime.now(UTC))),
               ("Message-ID", message_id or make_msgid(domain=domain))]
    if in_reply_to:
        headers += [("In-Reply-To", in_reply_to), ("References", in_reply_to)]
    headers += [*extra, ("MIME-Version", "1.0")]
    existing = list(body.items())
    for name in list(body.keys()):
        del body[name]
    for name, value in [*headers, *existing]:
        body[name] = value
    return body.as_bytes(policy=SMTP)


def _boundary(style: str) -> str:
    """A boundary as each program draws it (their visible shapes; any unique string works)."""
    token = uuid.uuid4().hex
    return {"outlook": f"_000_{token[:20].upper()}EURP_",
            "google": f"000000000000{token[:12]}",
            "apple": f"Apple-Mail=_{str(uuid.uuid4()).upper()}",
            "mozilla": f"------------{token[:24]}"}[style]


# --- Answers (METHOD:REPLY) -----------------------------------------------------------------

def _when(partstat: str, prefix: dict[str, str]) -> str:
    return prefix.get(partstat, partstat.title())


def _outlook_vevent(*, method: str, attendee: str, attendee_name: str, organizer: str | None,
                    organizer_name: str, uid: str, partstat: str, sequence: int,
                    dtstamp: datetime, summary: str, dtstart: datetime, dtend: datetime,
                    comment: str) -> list[str]:
    """A VEVENT as Exchange writes it: Windows TZID, MAILTO in capitals, LANGUAGE on text,
    the X-MICROSOFT-CDO-* properties of [MS-OXCICAL] 2.1.3.1.1.20."""
    lines = ["BEGIN:VEVENT"]
    if organizer:
        lines.append(f"ORGANIZER;CN={quoted(organizer_name)}:MAILTO:{organizer}")
    lines.append(f"ATTENDEE;PARTSTAT={partstat};CN={quoted(attendee_name)}:MAILTO:{attendee}")
    if comment:
        lines.append(f"COMMENT;LANGUAGE=en-US:{text(comment)}")
    lines += [f"SUMMARY;LANGUAGE=en-US:{text(_when(partstat, _OUTLOOK_PREFIX))}: {text(summary)}",
              f'DTSTART;TZID="{WINDOWS_ZONE}":{local(dtstart)}',
              f'DTEND;TZID="{WINDOWS_ZONE}":{local(dtend)}',
              f"UID:{uid}", "CLASS:PUBLIC", "PRIORITY:5", f"DTSTAMP:{utc(dtstamp)}",
              "TRANSP:OPAQUE", "STATUS:CONFIRMED", f"SEQUENCE:{sequence}",
              "LOCATION;LANGUAGE=en-US:", f"X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}",
              "X-MICROSOFT-CDO-OWNERAPPTID:-1876543210",
              "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
              "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE", "X-MICROSOFT-CDO-IMPORTANCE:1",
              "X-MICROSOFT-CDO-INSTTYPE:0", "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
              "X-MICROSOFT-DISALLOW-COUNTER:FALSE", "END:VEVENT"]
    return lines


def _outlook_calendar(method: str, vevent: list[str], continuation: str = " ") -> str:
    return ics(["BEGIN:VCALENDAR", f"METHOD:{method}", "PRODID:Microsoft Exchange Server 2010",
                "VERSION:2.0", *_WINDOWS_VTIMEZONE, *vevent, "END:VCALENDAR"], continuation)


def _exchange_headers(summary: str) -> list[tuple[str, str]]:
    """What Exchange puts on meeting mail ([MS-OXCMAIL] 2.2.3.2: Thread-Topic, Thread-Index,
    X-MS-Has-Attach, X-MS-TNEF-Correlator, X-Auto-Response-Suppress). X-Auto-Response-Suppress
    asks others not to auto-answer; it does not make this message an automatic reply. Which of
    these a given Outlook version writes varies; the app must not depend on any of them."""
    index = base64.b64encode(uuid.uuid4().bytes + b"\x01\x02\x03\x04\x05\x06").decode()
    return [("Thread-Topic", summary), ("Thread-Index", index), ("Accept-Language", "en-US"),
            ("Content-Language", "en-US"), ("X-MS-Has-Attach", ""),
            ("X-MS-TNEF-Correlator", ""), ("X-Auto-Response-Suppress", "RN, NRN, OOF")]


def _outlook(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
             organizer_name, summary, dtstart, dtend, comment, subject, message_id,
             from_address, in_reply_to, extra_headers=()) -> bytes:
    """Desktop Outlook on Exchange: multipart/alternative of text/plain, text/html and the
    inline ``text/calendar; charset="utf-8"; method=REPLY`` in base64 (RFC 6047 2.4 puts the
    calendar in the alternative; [MS-OXCICAL] 2.1.3.1 for the iCalendar; the MIME layout is
    Exchange's as widely shown, e.g. nodemailer/mailparser#82)."""
    vevent = _outlook_vevent(method="REPLY", attendee=attendee, attendee_name=attendee_name,
                             organizer=organizer, organizer_name=organizer_name, uid=uid,
                             partstat=partstat, sequence=sequence, dtstamp=dtstamp,
                             summary=summary, dtstart=dtstart, dtend=dtend, comment=comment)
    calendar = _outlook_calendar("REPLY", vevent)
    note = comment or ""
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'</head><body><div>{note}</div></body></html>')
    body = _multipart(
        "alternative",
        _leaf(note + "\n", "text/plain", cte="quoted-printable"),
        _leaf(html + "\n", "text/html", cte="quoted-printable"),
        _leaf(calendar, "text/calendar", cte="base64",
              header='text/calendar; charset="utf-8"; method=REPLY'),
        boundary=_boundary("outlook"))
    subject = subject or f"{_when(partstat, _OUTLOOK_PREFIX)}: {summary}"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     extra=[*_exchange_headers(summary), *extra_headers])


def _outlook_com(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
                 organizer_name, summary, dtstart, dtend, comment, subject, message_id,
                 from_address, in_reply_to) -> bytes:
    """Outlook.com / Exchange Online: PRODID "Microsoft Exchange Server 2010", no ORGANIZER in
    the REPLY (nextcloud/server#53948, cyrus-imapd PR #4169: "Outlook sends these", against
    RFC 5546 3.2.3), content lines continued with a TAB (allowed by RFC 5545 3.1), the calendar
    part quoted-printable."""
    vevent = _outlook_vevent(method="REPLY", attendee=attendee, attendee_name=attendee_name,
                             organizer=None, organizer_name=organizer_name, uid=uid,
                             partstat=partstat, sequence=sequence, dtstamp=dtstamp,
                             summary=summary, dtstart=dtstart, dtend=dtend, comment=comment)
    calendar = _outlook_calendar("REPLY", vevent, continuation="\t")
    note = comment or ""
    body = _multipart(
        "alternative",
        _leaf(note + "\n", "text/plain", cte="quoted-printable"),
        _leaf(f"<html><body><div>{note}</div></body></html>\n", "text/html",
              cte="quoted-printable"),
        _leaf(calendar, "text/calendar", cte="quoted-printable",
              header='text/calendar; charset="utf-8"; method=REPLY'),
        boundary=_boundary("outlook"))
    subject = subject or f"{_when(partstat, _OUTLOOK_PREFIX)}: {summary}"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     domain="outlook.com", extra=_exchange_headers(summary))


def _google_when(dtstart: datetime, dtend: datetime) -> str:
    """Google's subject time, e.g. "Thu Jun 12, 2031 6pm - 7:30pm (CEST)"."""
    def clock(moment: datetime) -> str:
        moment = moment.astimezone(OSLO)
        hour = moment.strftime("%I").lstrip("0")
        minutes = "" if moment.minute == 0 else moment.strftime(":%M")
        return f"{hour}{minutes}{moment.strftime('%p').lower()}"
    start = dtstart.astimezone(OSLO)
    return (f"{start.strftime('%a %b')} {start.day}, {start.year} {clock(dtstart)} - "
            f"{clock(dtend)} ({start.tzname()})")


def _gmail(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
           organizer_name, summary, dtstart, dtend, comment, subject, message_id,
           from_address, in_reply_to) -> bytes:
    """Google Calendar: multipart/mixed > multipart/alternative (text/plain, text/html,
    ``text/calendar; charset="UTF-8"; method=REPLY``) plus the same object as an
    ``application/ics`` attachment named invite.ics; UTC times; the note in the ATTENDEE's
    X-RESPONSE-COMMENT parameter and X-NUM-GUESTS (nextcloud/server#23927,
    Neuvernetzung/ts-ics#236; content type as quoted in linagora/tmail-backend#1064). The
    subject carries the time and the organizer: "Accepted: <summary> @ <when> (<organizer>)"."""
    attendee_params = ["CUTYPE=INDIVIDUAL", "ROLE=REQ-PARTICIPANT", f"PARTSTAT={partstat}",
                       f"CN={quoted(attendee_name)}"]
    if comment:
        attendee_params.append(f'X-RESPONSE-COMMENT="{comment.replace(chr(34), chr(39))}"')
    attendee_params.append("X-NUM-GUESTS=0")
    calendar = ics(["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
                    "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:REPLY", "BEGIN:VEVENT",
                    f"DTSTART:{utc(dtstart)}", f"DTEND:{utc(dtend)}", f"DTSTAMP:{utc(dtstamp)}",
                    f"ORGANIZER;CN={quoted(organizer_name)}:mailto:{organizer}", f"UID:{uid}",
                    f"ATTENDEE;{';'.join(attendee_params)}:mailto:{attendee}",
                    f"CREATED:{utc(dtstamp - timedelta(days=3))}", "DESCRIPTION:",
                    f"LAST-MODIFIED:{utc(dtstamp)}", "LOCATION:", f"SEQUENCE:{sequence}",
                    "STATUS:CONFIRMED", f"SUMMARY:{text(summary)}", "TRANSP:OPAQUE",
                    "END:VEVENT", "END:VCALENDAR"])
    verb = _VERB.get(partstat, partstat.lower())
    plain = f"{attendee_name} has {verb} this invitation.\n\n{summary}\n"
    if comment:
        plain += f"\n{attendee_name} says: {comment}\n"
    html = f"<span>{attendee_name} has {verb} this invitation.</span><h3>{summary}</h3>\n"
    body = _multipart(
        "mixed",
        _multipart("alternative",
                   _leaf(plain, "text/plain", cte="7bit" if plain.isascii() else "base64"),
                   _leaf(html, "text/html", cte="quoted-printable"),
                   _leaf(calendar, "text/calendar", charset="UTF-8",
                         cte="7bit" if calendar.isascii() else "base64",
                         header='text/calendar; charset="UTF-8"; method=REPLY'),
                   boundary=_boundary("google")),
        _leaf(calendar, "application/ics", cte="base64", filename="invite.ics",
              header='application/ics; name="invite.ics"'),
        boundary=_boundary("google"))
    when = _google_when(dtstart, dtend)
    subject = subject or f"{_when(partstat, _GOOGLE_PREFIX)}: {summary} @ {when} ({organizer})"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     domain="google.com",
                     extra=[("Sender", "Google Calendar <calendar-notification@google.com>")])


def _apple(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
           organizer_name, summary, dtstart, dtend, comment, subject, message_id,
           from_address, in_reply_to) -> bytes:
    """Apple Calendar on macOS sending through Mail: multipart/mixed of a short text/plain
    ("... has accepted your invitation to the event ...", wording as in openradar 30309747)
    and ``text/calendar; method=REPLY`` attached as a file; PRODID "-//Apple Inc.//macOS
    ...//EN", IANA TZID with Apple's VTIMEZONE, CN always quoted and an EMAIL parameter on the
    ATTENDEE (RFC 7986 5.1), X-APPLE-* and X-WR-RELCALID properties. The file name and the
    exact set of X-APPLE properties vary by macOS version (not documented by Apple), and so
    does the subject: the one here is a stand-in, not a quotation."""
    lines = ["BEGIN:VCALENDAR", "METHOD:REPLY", "VERSION:2.0",
             "PRODID:-//Apple Inc.//macOS 14.4//EN",
             f"X-WR-RELCALID:{uuid.uuid4()}".upper(), "CALSCALE:GREGORIAN",
             *_oslo_vtimezone("19810329T020000", "19961027T030000"), "BEGIN:VEVENT",
             f"ATTENDEE;CN={quoted(attendee_name, True)};CUTYPE=INDIVIDUAL;"
             f'EMAIL="{attendee}";PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:mailto:{attendee}',
             f"DTEND;TZID=Europe/Oslo:{local(dtend)}", "TRANSP:OPAQUE",
             f"ORGANIZER;CN={quoted(organizer_name, True)}:mailto:{organizer}",
             f"UID:{uid}", f"DTSTAMP:{utc(dtstamp)}", f"SEQUENCE:{sequence}",
             f"SUMMARY:{text(summary)}", f"DTSTART;TZID=Europe/Oslo:{local(dtstart)}",
             "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC", f"CREATED:{utc(dtstamp)}"]
    if comment:
        lines.append(f"COMMENT:{text(comment)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    verb = _VERB.get(partstat, partstat.lower())
    when = dtstart.astimezone(OSLO).strftime("%d %B %Y at %H:%M")
    plain = (f"{attendee_name} has {verb} your invitation to the event \u201c{summary}\u201d, "
             f"scheduled for {when} (Europe/Oslo).\n")
    body = _multipart(
        "mixed",
        _leaf(plain, "text/plain", cte="quoted-printable"),
        _leaf(ics(lines), "text/calendar", cte="quoted-printable",
              filename=f"iCal-{dtstamp:%Y%m%d-%H%M%S}.ics",
              header=f"text/calendar; charset=utf-8; method=REPLY;\r\n"
                     f"\tname=iCal-{dtstamp:%Y%m%d-%H%M%S}.ics"),
        boundary=_boundary("apple"))
    subject = subject or f"Invitation: {summary} ({_VERB.get(partstat, partstat.lower())})"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     extra=[("X-Mailer", "Apple Mail (2.3774.500.171.1.1)")])


def _icloud(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
            organizer_name, summary, dtstart, dtend, comment, subject, message_id,
            from_address, in_reply_to) -> bytes:
    """iCloud answering on the guest's behalf (the server sends the iMIP message): a single
    ``text/calendar; method=REPLY`` body and a minimal REPLY with only what RFC 5546 3.2.3
    requires (ATTENDEE, DTSTAMP, ORGANIZER, UID, SEQUENCE) and REQUEST-STATUS: no DTSTART, no
    SUMMARY. A shape reported from CalDAV servers' scheduling; not documented by Apple."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//iCloud 2310B22//EN",
             "METHOD:REPLY", "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{utc(dtstamp)}",
             f"SEQUENCE:{sequence}",
             f"ORGANIZER;CN={quoted(organizer_name, True)}:mailto:{organizer}",
             f"ATTENDEE;CN={quoted(attendee_name, True)};PARTSTAT={partstat}:mailto:{attendee}",
             "REQUEST-STATUS:2.0;Success"]
    if comment:
        lines.append(f"COMMENT:{text(comment)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    body = _leaf(ics(lines), "text/calendar", cte="quoted-printable",
                 header="text/calendar; charset=utf-8; method=REPLY")
    subject = subject or f"{_when(partstat, _OUTLOOK_PREFIX)}: {summary}"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     domain="icloud.com")


def _thunderbird(*, to, attendee, uid, partstat, sequence, dtstamp, attendee_name, organizer,
                 organizer_name, summary, dtstart, dtend, comment, subject, message_id,
                 from_address, in_reply_to) -> bytes:
    """Thunderbird (Lightning): multipart/mixed of text/plain, ``text/calendar;
    method=REPLY; charset=UTF-8`` in 8bit, and the same object as an ``application/ics``
    attachment named invite.ics (the MIME layout Thunderbird's iTIP transport writes, as
    shown in thunderbird/webext-experiments#19); only the replying ATTENDEE; PRODID
    "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"; VTIMEZONE with X-LIC-LOCATION."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
             "VERSION:2.0", "METHOD:REPLY",
             *_oslo_vtimezone("19700329T020000", "19701025T030000",
                              ["X-LIC-LOCATION:Europe/Oslo"]),
             "BEGIN:VEVENT", f"CREATED:{utc(dtstamp)}", f"LAST-MODIFIED:{utc(dtstamp)}",
             f"DTSTAMP:{utc(dtstamp)}", f"UID:{uid}", f"SUMMARY:{text(summary)}",
             f"ORGANIZER;CN={quoted(organizer_name)}:mailto:{organizer}",
             f"ATTENDEE;RSVP=TRUE;PARTSTAT={partstat};ROLE=REQ-PARTICIPANT;"
             f"CN={quoted(attendee_name)}:mailto:{attendee}",
             f"DTSTART;TZID=Europe/Oslo:{local(dtstart)}",
             f"DTEND;TZID=Europe/Oslo:{local(dtend)}", f"SEQUENCE:{sequence}"]
    if comment:
        lines.append(f"COMMENT:{text(comment)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    calendar = ics(lines)
    verb = _VERB.get(partstat, partstat.lower())
    plain = f"{attendee_name} <{attendee}> has {verb} your event invitation.\n"
    body = _multipart(
        "mixed",
        _leaf(plain, "text/plain", cte="8bit"),
        _leaf(calendar, "text/calendar", cte="8bit", charset="UTF-8",
              header="text/calendar; method=REPLY; charset=UTF-8"),
        _leaf(calendar, "application/ics", cte="8bit", filename="invite.ics",
              header='application/ics; name="invite.ics"'),
        boundary=_boundary("mozilla"))
    subject = subject or f"{_when(partstat, _OUTLOOK_PREFIX)}: {summary}"
    return _envelope(body, from_address=from_address, from_name=attendee_name, to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to,
                     extra=[("User-Agent", "Mozilla Thunderbird")])


_REPLIERS = {"outlook": _outlook, "outlook_com": _outlook_com, "gmail": _gmail,
             "apple": _apple, "icloud": _icloud, "thunderbird": _thunderbird}


def reply(client: str = "outlook", *, to: str = REPLY_ADDRESS, attendee: str = GUEST,
          uid: str = PART_UID, partstat: str = "ACCEPTED", sequence: int = 0,
          dtstamp: datetime | None = None, attendee_name: str = "Kari Nordmann",
          organizer: str | None = None, organizer_name: str = HOST_NAME,
          summary: str = "Stair race", dtstart: datetime = START, dtend: datetime = END,
          comment: str = "", subject: str | None = None, message_id: str | None = None,
          from_address: str | None = None, in_reply_to: str | None = None) -> bytes:
    """An iMIP REPLY (RFC 6047 2.4, RFC 5546 3.2.3) from ``client`` (one of ``CLIENTS``):
    ``attendee`` answers ``partstat`` for ``uid``. ORGANIZER defaults to ``to`` (the app makes
    the reply address the organizer); the email comes from ``from_address`` (default: the
    attendee). Outlook.com leaves ORGANIZER out whatever ``organizer`` is."""
    build = _REPLIERS[client]
    return build(to=to, attendee=attendee, uid=uid, partstat=partstat, sequence=sequence,
                 dtstamp=dtstamp or datetime.now(UTC), attendee_name=attendee_name,
                 organizer=organizer or to, organizer_name=organizer_name, summary=summary,
                 dtstart=dtstart, dtend=dtend, comment=comment, subject=subject,
                 message_id=message_id, from_address=from_address or attendee,
                 in_reply_to=in_reply_to)


def counter(client: str = "outlook", *, to: str = REPLY_ADDRESS, attendee: str = GUEST,
            uid: str = PART_UID, new_start: datetime = START + timedelta(hours=1),
            new_end: datetime = END + timedelta(hours=1), sequence: int = 0,
            original_start: datetime = START, original_end: datetime = END,
            partstat: str = "TENTATIVE", attendee_name: str = "Kari Nordmann",
            organizer_name: str = HOST_NAME, summary: str = "Stair race",
            comment: str = "Could we start an hour later?", dtstamp: datetime | None = None,
            subject: str | None = None, message_id: str | None = None) -> bytes:
    """A COUNTER (RFC 5546 3.2.7): the attendee proposes ``new_start``-``new_end``.

    "outlook": Outlook's "Tentative / Propose New Time": subject "New Time Proposed: <summary>",
    DTSTART/DTEND the proposed times (mapped to PidLidAppointmentProposedStartWhole/EndWhole,
    [MS-OXOCAL] 2.2.7.3-4) and the original ones in X-MS-OLK-ORIGINALSTART/END ([MS-OXCICAL]).
    "rfc5546": the bare COUNTER of RFC 5546 4.6.6, as a single text/calendar body."""
    dtstamp = dtstamp or datetime.now(UTC)
    if client == "rfc5546":
        lines = ["BEGIN:VCALENDAR", "PRODID:-//Example//Calendar 1.0//EN", "VERSION:2.0",
                 "METHOD:COUNTER", "BEGIN:VEVENT", f"ORGANIZER:mailto:{to}",
                 f"ATTENDEE;PARTSTAT={partstat};CN={quoted(attendee_name)}:mailto:{attendee}",
                 f"DTSTART:{utc(new_start)}", f"DTEND:{utc(new_end)}",
                 f"SUMMARY:{text(summary)}", f"UID:{uid}", f"SEQUENCE:{sequence}",
                 f"DTSTAMP:{utc(dtstamp)}", f"COMMENT:{text(comment)}", "END:VEVENT",
                 "END:VCALENDAR"]
        body = _leaf(ics(lines), "text/calendar", cte="7bit", params={"method": "COUNTER"})
        return _envelope(body, from_address=attendee, from_name=attendee_name, to=to,
                         subject=subject or f"Counter proposal: {summary}",
                         message_id=message_id)
    if client != "outlook":
        raise ValueError(f"no COUNTER shape for {client!r}")
    vevent = _outlook_vevent(method="COUNTER", attendee=attendee, attendee_name=attendee_name,
                             organizer=to, organizer_name=organizer_name, uid=uid,
                             partstat=partstat, sequence=sequence, dtstamp=dtstamp,
                             summary=summary, dtstart=new_start, dtend=new_end, comment=comment)
    vevent[-1:] = [f'X-MS-OLK-ORIGINALSTART;TZID="{WINDOWS_ZONE}":{local(original_start)}',
                   f'X-MS-OLK-ORIGINALEND;TZID="{WINDOWS_ZONE}":{local(original_end)}',
                   "END:VEVENT"]
    vevent = [line.replace(f"SUMMARY;LANGUAGE=en-US:{_when(partstat, _OUTLOOK_PREFIX)}: ",
                           "SUMMARY;LANGUAGE=en-US:New Time Proposed: ") for line in vevent]
    body = _multipart(
        "alternative",
        _leaf(comment + "\n", "text/plain", cte="quoted-printable"),
        _leaf(f"<html><body><div>{comment}</div></body></html>\n", "text/html",
              cte="quoted-printable"),
        _leaf(_outlook_calendar("COUNTER", vevent), "text/calendar", cte="base64",
              header='text/calendar; charset="utf-8"; method=COUNTER'),
        boundary=_boundary("outlook"))
    return _envelope(body, from_address=attendee, from_name=attendee_name, to=to,
                     subject=subject or f"New Time Proposed: {summary}",
                     message_id=message_id, extra=_exchange_headers(summary))


# --- Delivery reports (RFC 3464) ------------------------------------------------------------

def _original_headers(*, to: str, failed_recipient: str, message_id: str,
                      summary: str = "Stair race") -> str:
    """The headers of the invitation that bounced, as a report quotes them."""
    return (f"Return-Path: <{to}>\n"
            f"From: {HOST_NAME} <invitations@example.com>\n"
            f"Reply-To: {to}\n"
            f"To: {failed_recipient}\n"
            f"Subject: Invitation: {summary}\n"
            f"Date: {format_datetime(datetime.now(UTC) - timedelta(minutes=5))}\n"
            f"Message-ID: {message_id}\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n")


def _report(*, human: str, status_fields: str, original: str, original_type: str,
            boundary: str, head: str, human_type: str = "text/plain; charset=us-ascii") -> bytes:
    """A multipart/report; report-type=delivery-status (RFC 3462/6522, RFC 3464 2)."""
    message = (
        f"{head}"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n boundary="{boundary}"\n'
        "\n"
        "This is a MIME-encapsulated message.\n"
        "\n"
        f"--{boundary}\n"
        "Content-Description: Notification\n"
        f"Content-Type: {human_type}\n"
        "\n"
        f"{human}\n"
        f"--{boundary}\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        f"{status_fields}\n"
        f"--{boundary}\n"
        "Content-Description: Undelivered Message Headers\n"
        f"Content-Type: {original_type}\n"
        "\n"
        f"{original}\n"
        f"--{boundary}--\n")
    return message.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def bounce(kind: str = "postfix", *, to: str = REPLY_ADDRESS, failed_recipient: str = GUEST,
           original_message_id: str | None = None, status: str | None = None,
           diagnostic: str | None = None, message_id: str | None = None) -> bytes:
    """A delivery report to ``to`` (the invitation's envelope sender) about
    ``failed_recipient``. ``kind`` is one of ``BOUNCES``:

    - "postfix": Postfix's bounce (RFC 3464: text/plain, message/delivery-status with
      Reporting-MTA, X-Postfix-Queue-ID, Final-Recipient, Action: failed, Status, Remote-MTA,
      Diagnostic-Code; then text/rfc822-headers, as Postfix's bounce(8) writes them).
    - "exchange": an Exchange Online NDR ("Undeliverable: ...", multipart/alternative human
      part, Status 5.1.10 RESOLVER.ADR.RecipientNotFound, X-MS-Exchange-Message-Is-Ndr and the
      original as message/rfc822; "DSNs and NDRs in Exchange Server", Microsoft Learn).
    - "gmail": mailer-daemon@googlemail.com, "Delivery Status Notification (Failure)",
      X-Failed-Recipients, the original as message/rfc822.
    - "delay": Postfix's delay warning: Action: delayed, Status 4.4.7, Will-Retry-Until.
      Not a hard bounce.
    - "soft": Action: failed with a 4.x.x status (mailbox full, 4.2.2): a temporary cause.

    Postfix and Google also put ``Auto-Submitted: auto-replied`` on bounces (RFC 3834 5), so
    a bounce must be recognised before the auto-reply test."""
    original_message_id = original_message_id or make_msgid(domain="example.com")
    boundary = f"{uuid.uuid4().hex[:12].upper()}.{int(datetime.now(UTC).timestamp())}/mx"
    now = format_datetime(datetime.now(UTC))
    original = _original_headers(to=to, failed_recipient=failed_recipient,
                                 message_id=original_message_id)
    own_id = message_id or make_msgid(domain="mx.example.org")
    if kind in ("postfix", "delay", "soft"):
        status = status or {"postfix": "5.1.1", "delay": "4.4.7", "soft": "4.2.2"}[kind]
        action = "delayed" if kind == "delay" else "failed"
        diagnostic = diagnostic or {
            "postfix": f"550 5.1.1 <{failed_recipient}>: Recipient address rejected: User "
                       "unknown in virtual mailbox table",
            "delay": "connect to mx.example.org[192.0.2.25]:25: Connection timed out",
            "soft": f"452 4.2.2 <{failed_recipient}>: Mailbox full"}[kind]
        subject = ("Delayed Mail (still being retried)" if kind == "delay"
                   else "Undelivered Mail Returned to Sender")
        intro = ("This is the mail system at host mail.example.net.\n\n"
                 + ("####################################################################\n"
                    "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                    "####################################################################\n\n"
                    "Your message could not be delivered for more than 4 hour(s).\n"
                    "It will be retried until it is 5 day(s) old.\n"
                    if kind == "delay" else
                    "I'm sorry to have to inform you that your message could not\n"
                    "be delivered to one or more recipients. It's attached below.\n")
                 + f"\n<{failed_recipient}>: host mx.example.org[192.0.2.25] said: "
                 f"{diagnostic} (in reply to RCPT TO command)\n")
        fields = ("Reporting-MTA: dns; mail.example.net\n"
                  "X-Postfix-Queue-ID: 4XyZ1b2c3dz9sWn\n"
                  f"X-Postfix-Sender: rfc822; {to}\n"
                  f"Arrival-Date: {now}\n"
                  "\n"
                  f"Final-Recipient: rfc822; {failed_recipient}\n"
                  f"Original-Recipient: rfc822;{failed_recipient}\n"
                  f"Action: {action}\n"
                  f"Status: {status}\n"
                  "Remote-MTA: dns; mx.example.org\n"
                  f"Diagnostic-Code: smtp; {diagnostic}\n")
        if kind == "delay":
            retry_until = format_datetime(datetime.now(UTC) + timedelta(days=5))
            fields += f"Will-Retry-Until: {retry_until}\n"
        head = ("From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\n"
                f"To: {to}\nSubject: {subject}\nDate: {now}\nMessage-Id: {own_id}\n"
                "Auto-Submitted: auto-replied\n")
        return _report(human=intro, status_fields=fields, original=original,
                       original_type="text/rfc822-headers", boundary=boundary, head=head)
    if kind == "exchange":
        status = status or "5.1.10"
        diagnostic = diagnostic or (f"smtp;550 {status} RESOLVER.ADR.RecipientNotFound; "
                                    "Recipient not found by SMTP address lookup")
        inner = f"alt-{uuid.uuid4().hex[:16]}"
        human = (f'Content-Type: multipart/alternative; boundary="{inner}"\n\n'
                 f"--{inner}\nContent-Type: text/plain; charset=us-ascii\n\n"
                 "Your message to " f"{failed_recipient} couldn't be delivered.\n\n"
                 f"{failed_recipient.partition('@')[0]} wasn't found at "
                 f"{failed_recipient.partition('@')[2]}.\n\n"
                 "Action Required: Recipient\nUnknown To address\n\n"
                 f"Remote server returned '{diagnostic.partition(';')[2]}'\n\n"
                 f"--{inner}\nContent-Type: text/html; charset=us-ascii\n\n"
                 f"<html><body><p>Your message to {failed_recipient} couldn't be "
                 "delivered.</p></body></html>\n\n"
                 f"--{inner}--\n")
        fields = ("Reporting-MTA: dns;AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM\n"
                  "Received-From-MTA: dns;mail.example.net\n"
                  f"Arrival-Date: {now}\n"
                  "\n"
                  f"Original-Recipient: rfc822;{failed_recipient}\n"
                  f"Final-Recipient: rfc822;{failed_recipient}\n"
                  "Action: failed\n"
                  f"Status: {status}\n"
                  f"Diagnostic-Code: {diagnostic}\n")
        head = ("From: Microsoft Outlook\n <postmaster@outlook.com>\n"
                f"To: <{to}>\nSubject: Undeliverable: Invitation: Stair race\n"
                f"Date: {now}\nMessage-ID: {own_id}\n"
                f"In-Reply-To: {original_message_id}\nReferences: {original_message_id}\n"
                "Content-Language: en-US\nX-MS-Exchange-Message-Is-Ndr:\n"
                "X-MS-PublicTrafficType: Email\n"
                "X-MS-Exchange-Organization-SCL: -1\n"
                "Auto-Submitted: auto-replied\n")
        return _report_with_typed_human(human=human, fields=fields, head=head,
                                        original=original + "\nYou are invited.\n",
                                        boundary=boundary)
    if kind == "gmail":
        status = status or "5.1.1"
        diagnostic = diagnostic or (
            f"smtp; 550-{status} The email account that you tried to reach does not exist. "
            "Please try double-checking the recipient's email address for typos or "
            f"unnecessary spaces. 550 {status} https://support.google.com/mail/?p=NoSuchUser")
        human = ("\n** Address not found **\n\n"
                 f"Your message wasn't delivered to {failed_recipient} because the address "
                 "couldn't be found, or is unable to receive mail.\n\n"
                 "The response from the remote server was:\n"
                 f"{diagnostic.partition('; ')[2]}\n")
        fields = ("Reporting-MTA: dns; googlemail.com\n"
                  f"Received-From-MTA: dns; {to.partition('@')[2]}\n"
                  f"Arrival-Date: {now}\n"
                  f"X-Original-Message-ID: {original_message_id}\n"
                  "\n"
                  f"Final-Recipient: rfc822; {failed_recipient}\n"
                  "Action: failed\n"
                  f"Status: {status}\n"
                  f"Remote-MTA: dns; mx.{failed_recipient.partition('@')[2]}. (192.0.2.25, "
                  f"the server for the domain {failed_recipient.partition('@')[2]}.)\n"
                  f"Diagnostic-Code: {diagnostic}\n"
                  f"Last-Attempt-Date: {now}\n")
        head = ("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                f"To: {to}\nSubject: Delivery Status Notification (Failure)\n"
                f"Date: {now}\nMessage-ID: {own_id}\n"
                f"References: {original_message_id}\nIn-Reply-To: {original_message_id}\n"
                f"X-Failed-Recipients: {failed_recipient}\n"
                "Auto-Submitted: auto-replied\n")
        return _report(human=human, status_fields=fields,
                       original=original + "\nYou are invited.\n",
                       original_type="message/rfc822", boundary=boundary, head=head,
                       human_type="text/plain; charset=UTF-8")
    raise ValueError(f"unknown bounce kind {kind!r}")


def _report_with_typed_human(*, human: str, fields: str, head: str, original: str,
                             boundary: str) -> bytes:
    """Exchange's report: its first part is itself a multipart/alternative."""
    message = (
        f"{head}MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{boundary}"\n'
        "\n"
        f"--{boundary}\n{human}\n"
        f"--{boundary}\nContent-Type: message/delivery-status\n\n{fields}\n"
        f"--{boundary}\nContent-Type: message/rfc822\n\n{original}\n"
        f"--{boundary}--\n")
    return message.replace("\n", "\r\n").encode("utf-8")


# --- Automatic replies (RFC 3834) -----------------------------------------------------------

def auto_reply(kind: str = "exchange_oof", *, to: str = REPLY_ADDRESS,
               from_address: str = GUEST, subject: str = "Re: Invitation",
               uid: str = PART_UID, partstat: str = "ACCEPTED", sequence: int = 0,
               message_id: str | None = None, in_reply_to: str | None = None,
               precedence: str = "auto_reply") -> bytes:
    """An automatic answer from ``from_address``; ``kind`` is one of ``AUTO_REPLIES``:

    - "exchange_oof": Exchange's Automatic Reply: subject "Automatic reply: <subject>",
      Auto-Submitted: auto-replied (RFC 3834 5), X-Auto-Response-Suppress: All and
      X-MS-Exchange-Inbox-Rules-Loop ([MS-OXCMAIL] 2.2.3.2.14).
    - "gmail_vacation": Gmail's vacation responder: Auto-Submitted: auto-replied, subject as
      the user set it (default: the original with "Re: ").
    - "precedence": no Auto-Submitted, only ``Precedence: <precedence>`` (auto_reply, bulk,
      junk: the older convention RFC 3834 3.1.8 notes).
    - "x_autoreply": only ``X-Autoreply: yes``; "x_autorespond": only ``X-Autorespond``.
    - "auto_generated_reply_with_calendar": an Exchange resource mailbox that auto-accepts
      (Resource Booking Attendant): Auto-Submitted: auto-generated, yet its text/calendar
      method=REPLY is a real answer for ``uid`` and must count as one.
    """
    if kind == "auto_generated_reply_with_calendar":
        return _outlook(to=to, attendee=from_address, uid=uid, partstat=partstat,
                        sequence=sequence, dtstamp=datetime.now(UTC),
                        attendee_name="Meeting Room Fjellet", organizer=to,
                        organizer_name=HOST_NAME, summary="Stair race", dtstart=START,
                        dtend=END, comment="", subject=None, message_id=message_id,
                        from_address=from_address, in_reply_to=in_reply_to,
                        extra_headers=[("Auto-Submitted", "auto-generated"),
                                       ])
    note = "I am away until Monday 16 June with limited access to email."
    if kind == "exchange_oof":
        body = _multipart("alternative",
                          _leaf(note + "\n", "text/plain", cte="quoted-printable"),
                          _leaf(f"<html><body><p>{note}</p></body></html>\n", "text/html",
                                cte="quoted-printable"))
        extra = [("Thread-Topic", subject), ("Auto-Submitted", "auto-replied"),
                 ("X-Auto-Response-Suppress", "All"),
                 ("X-MS-Exchange-Inbox-Rules-Loop", from_address),
                 ("Content-Language", "en-US")]
        return _envelope(body, from_address=from_address, from_name="Kari Nordmann", to=to,
                         subject=f"Automatic reply: {subject}", message_id=message_id,
                         in_reply_to=in_reply_to, extra=extra)
    headers = {"gmail_vacation": [("Auto-Submitted", "auto-replied")],
               "precedence": [("Precedence", precedence)],
               "x_autoreply": [("X-Autoreply", "yes")],
               "x_autorespond": [("X-Autorespond", "Out of office")]}
    if kind not in headers:
        raise ValueError(f"unknown auto-reply kind {kind!r}")
    body = _multipart("alternative", _leaf(note + "\n", "text/plain", cte="7bit"),
                      _leaf(f"<div dir=\"ltr\">{note}</div>\n", "text/html",
                            cte="quoted-printable"))
    return _envelope(body, from_address=from_address, from_name="Kari Nordmann", to=to,
                     subject=subject if subject.startswith("Re:") else f"Re: {subject}",
                     message_id=message_id, in_reply_to=in_reply_to, extra=headers[kind])


def plain_text_reply(*, to: str = REPLY_ADDRESS, from_address: str = GUEST,
                     body: str = "Thanks, I'll be there!", subject: str = "Re: Invitation",
                     message_id: str | None = None, in_reply_to: str | None = None) -> bytes:
    """A guest answering the invitation by hand: text/plain, no calendar (RFC 5322)."""
    part = _leaf(body + "\n", "text/plain", cte="7bit" if body.isascii() else "quoted-printable")
    return _envelope(part, from_address=from_address, from_name="Kari Nordmann", to=to,
                     subject=subject, message_id=message_id, in_reply_to=in_reply_to)


def html_only(*, to: str = REPLY_ADDRESS, from_address: str = GUEST,
              body_html: str = "<p>Thanks, I'll be there!</p>", subject: str = "Re: Invitation",
              message_id: str | None = None) -> bytes:
    """A hand-written answer sent as text/html only (no text/plain alternative)."""
    part = _leaf(f"<html><body>{body_html}</body></html>\n", "text/html",
                 cte="quoted-printable")
    return _envelope(part, from_address=from_address, from_name="Kari Nordmann", to=to,
                     subject=subject, message_id=message_id)


# --- Bad mail -------------------------------------------------------------------------------

def _calendar_mail(calendar: str, *, to: str, from_address: str, subject: str,
                   method: str = "REPLY", charset: str = "utf-8", cte: str = "7bit",
                   message_id: str | None = None) -> bytes:
    """A text/plain note and a text/calendar part, in a multipart/mixed."""
    body = _multipart("mixed", _leaf("Reply attached.\n", "text/plain", cte="7bit"),
                      _leaf(calendar, "text/calendar", cte=cte, charset=charset,
                            params={"method": method}))
    return _envelope(body, from_address=from_address, to=to, subject=subject,
                     message_id=message_id)


def not_icalendar(*, to: str = REPLY_ADDRESS, from_address: str = GUEST,
                  message_id: str | None = None) -> bytes:
    """A text/calendar; method=REPLY part whose content is not iCalendar at all."""
    garbage = "Hello!\r\nThis is not a calendar.\r\n<html>ACCEPTED</html>\r\n"
    return _calendar_mail(garbage, to=to, from_address=from_address,
                          subject="Accepted: Stair race", message_id=message_id)


def broken_icalendar(*, to: str = REPLY_ADDRESS, from_address: str = GUEST,
                     uid: str = PART_UID, message_id: str | None = None) -> bytes:
    """BEGIN:VCALENDAR without END:VEVENT / END:VCALENDAR, and a DTSTART that is no
    DATE-TIME (RFC 5545 3.3.5): icalendar refuses it."""
    calendar = ics(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Broken//EN", "METHOD:REPLY",
                    "BEGIN:VEVENT", f"UID:{uid}", "DTSTART:2031-06-12 18:00",
                    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{from_address}"])
    return _calendar_mail(calendar, to=to, from_address=from_address,
                          subject="Accepted: Stair race", message_id=message_id)


def _bare_reply(*, to: str, attendees: Sequence[tuple[str, str]], uid: str, sequence: int,
                method: str = "REPLY") -> list[str]:
    """One VEVENT's lines: ORGANIZER, the given ATTENDEEs (address, PARTSTAT)."""
    now = datetime.now(UTC)
    return ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{utc(now)}", f"SEQUENCE:{sequence}",
            f"DTSTART;TZID=Europe/Oslo:{local(START)}", f"DTEND;TZID=Europe/Oslo:{local(END)}",
            "SUMMARY:Stair race", f"ORGANIZER;CN={HOST_NAME}:mailto:{to}",
            *(f"ATTENDEE;PARTSTAT={partstat}:mailto:{address}" for address, partstat in attendees),
            "END:VEVENT"]


def _wrap(method: str, *events: list[str]) -> str:
    return ics(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Samples//EN", f"METHOD:{method}",
                *_oslo_vtimezone("19700329T020000", "19701025T030000"),
                *(line for event in events for line in event), "END:VCALENDAR"])


def reply_with_two_uids(*, to: str = REPLY_ADDRESS, attendee: str = GUEST,
                        uids: Sequence[str] = (PART_UID, "activity-2@eventplanner.test"),
                        partstat: str = "ACCEPTED", sequence: int = 0,
                        message_id: str | None = None) -> bytes:
    """A REPLY holding VEVENTs with different UIDs: RFC 5546 3.2 allows one UID per iTIP
    message (several VEVENTs only as instances of one recurring UID)."""
    events = [_bare_reply(to=to, attendees=[(attendee, partstat)], uid=uid, sequence=sequence)
              for uid in uids]
    return _calendar_mail(_wrap("REPLY", *events), to=to, from_address=attendee,
                          subject="Accepted: Stair race", message_id=message_id)


def reply_without_attendee(*, to: str = REPLY_ADDRESS, from_address: str = GUEST,
                           uid: str = PART_UID, sequence: int = 0,
                           message_id: str | None = None) -> bytes:
    """A REPLY with no ATTENDEE (RFC 5546 3.2.3 requires exactly one)."""
    event = _bare_reply(to=to, attendees=[], uid=uid, sequence=sequence)
    return _calendar_mail(_wrap("REPLY", event), to=to, from_address=from_address,
                          subject="Accepted: Stair race", message_id=message_id)


def reply_with_method_request(*, to: str = REPLY_ADDRESS, attendee: str = GUEST,
                              uid: str = PART_UID, sequence: int = 0,
                              message_id: str | None = None) -> bytes:
    """The invitation sent back: a calendar program forwarding the REQUEST (METHOD:REQUEST,
    PARTSTAT=NEEDS-ACTION) to the organizer address; not an answer."""
    event = _bare_reply(to=to, attendees=[(attendee, "NEEDS-ACTION")], uid=uid,
                        sequence=sequence, method="REQUEST")
    return _calendar_mail(_wrap("REQUEST", event), to=to, from_address=attendee,
                          subject="FW: Invitation: Stair race", method="REQUEST",
                          message_id=message_id)


def huge(size_bytes: int = 5_000_000, *, to: str = REPLY_ADDRESS, attendee: str = GUEST,
         uid: str = PART_UID, message_id: str | None = None) -> bytes:
    """A valid Thunderbird-shaped REPLY carrying a base64 attachment that makes the whole
    email at least ``size_bytes`` long (and not much longer)."""
    base = reply("thunderbird", to=to, attendee=attendee, uid=uid, message_id=message_id)
    missing = max(0, size_bytes - len(base))
    raw = b"\xff\xd8\xff\xe0" + bytes(range(256)) * (missing * 57 // 78 // 256 + 2)
    return _with_attachments(base, [("holiday.jpg", "image/jpeg", raw)])


def many_attachments(n: int = 200, *, to: str = REPLY_ADDRESS, attendee: str = GUEST,
                     uid: str = PART_UID, message_id: str | None = None) -> bytes:
    """A valid Thunderbird-shaped REPLY followed by ``n`` small attachments."""
    base = reply("thunderbird", to=to, attendee=attendee, uid=uid, message_id=message_id)
    files = [(f"note-{index}.txt", "text/plain", f"note {index}\n".encode()) for index in range(n)]
    return _with_attachments(base, files)


def _with_attachments(raw: bytes, files: Sequence[tuple[str, str, bytes]]) -> bytes:
    """``raw`` (a multipart/mixed) with ``files`` appended as base64 attachments."""
    from email import message_from_bytes

    message = message_from_bytes(raw, _class=EmailMessage, policy=SMTP)
    for name, content_type, data in files:
        message.attach(_leaf(data, content_type, cte="base64", filename=name))
    return message.as_bytes(policy=SMTP)


def non_utf8(*, to: str = REPLY_ADDRESS, attendee: str = GUEST, uid: str = PART_UID,
             attendee_name: str = "Åse Ødegård", summary: str = "Trappeløp",
             partstat: str = "ACCEPTED", sequence: int = 0,
             message_id: str | None = None) -> bytes:
    """A REPLY whose calendar part is ISO-8859-1 (``charset=iso-8859-1``, quoted-printable):
    RFC 6047 2.4 lets the charset parameter name another charset than UTF-8; readable once
    decoded by it."""
    calendar = ics(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Legacy Groupware 6.1//EN",
                    "METHOD:REPLY", "BEGIN:VEVENT", f"UID:{uid}",
                    f"DTSTAMP:{utc(datetime.now(UTC))}", f"SEQUENCE:{sequence}",
                    f"SUMMARY:{text(summary)}", f"DTSTART:{utc(START)}", f"DTEND:{utc(END)}",
                    f"ORGANIZER:mailto:{to}",
                    f"ATTENDEE;CN={quoted(attendee_name)};PARTSTAT={partstat}:mailto:{attendee}",
                    "END:VEVENT", "END:VCALENDAR"])
    return _calendar_mail(calendar, to=to, from_address=attendee,
                          subject=f"Accepted: {summary}", charset="iso-8859-1",
                          cte="quoted-printable", message_id=message_id)

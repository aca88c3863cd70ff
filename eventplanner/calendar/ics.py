"""iCalendar files built from plain objects: no Flask, no request, no database.

RFC 5545 and RFC 5546 (iTIP), written line by line (``content_lines``): stable UIDs,
SEQUENCE for updates, METHOD:REQUEST for an invitation to one guest, METHOD:CANCEL for
cancellations, METHOD:PUBLISH for files that anyone may see (no ATTENDEE, no personal
links). Times carry the event's TZID with a VTIMEZONE (``vtimezone.py``) covering the local
years the file needs; a time the zone's clock shows twice is written in UTC, the one form
that names either occurrence. A file's DTSTAMPs come from the data's last change, so the
same data gives the same bytes (a feed can answer 304 Not Modified).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventplanner.calendar import content_lines
from eventplanner.calendar.vtimezone import vtimezone
from eventplanner.timezones import falls_in_repeated_hour, zone

PRODUCT_ID = "-//eventplanner//eventplanner 1.0//EN"


class Method(enum.StrEnum):
    PUBLISH = "PUBLISH"
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class PartStat(enum.StrEnum):
    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEntry:
    """One part of an event as a calendar sees it. Times are aware (any zone)."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    zone_name: str
    location: str = ""
    description: str = ""
    url: str = ""
    geo: tuple[float, float] | None = None
    cancelled: bool = False
    alarm_minutes_before: int | None = None
    organizer: Person | None = None
    attendee: Person | None = None
    partstat: PartStat = PartStat.NEEDS_ACTION
    #: When the part or its event last changed: the DTSTAMP of a file that publishes it.
    changed_at: datetime | None = None


def build_calendar(entries: Iterable[CalendarEntry], method: Method = Method.PUBLISH,
                   name: str = "", stamp: datetime | None = None) -> bytes:
    """The .ics file: CRLF line ends, lines folded at 75 octets, text escaped.

    DTSTAMP is ``stamp`` when given; else a published file takes each entry's
    ``changed_at`` (the same data, the same bytes) and a scheduling message the time it is
    written (RFC 5546: clients order the messages they receive by it).
    """
    entries = list(entries)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{content_lines.text(PRODUCT_ID)}",
             "CALSCALE:GREGORIAN", f"METHOD:{method.value}"]
    if name:
        lines.append(f"X-WR-CALNAME:{content_lines.as_is(name)}")
    now = datetime.now(UTC)
    for entry in entries:
        published = entry.changed_at if method is Method.PUBLISH else None
        lines.extend(_vevent(entry, method, stamp or published or now))
    lines.append("END:VCALENDAR")
    content = ("\r\n".join(map(content_lines.fold, lines)) + "\r\n").encode("utf-8")
    if not entries:
        return content
    zones = b"".join(vtimezone(zone_name, *_local_years(entries, zone_name))
                     for zone_name in sorted({entry.zone_name for entry in entries}))
    head, separator, rest = content.partition(b"BEGIN:VEVENT\r\n")
    return head + zones + separator + rest


def _local_years(entries: list[CalendarEntry], zone_name: str) -> tuple[int, int]:
    """The first and last year of the entries in ``zone_name``, on that zone's clock (31
    December 22:00 in Santiago is already the next year in UTC)."""
    tz = zone(zone_name)
    mine = [entry for entry in entries if entry.zone_name == zone_name]
    return (min(entry.starts_at.astimezone(tz).year for entry in mine),
            max(entry.ends_at.astimezone(tz).year for entry in mine))


def _moment(moment: datetime, zone_name: str) -> datetime:
    """A DTSTART or DTEND: on the zone's clock (TZID), or in UTC when that clock shows the
    time twice. RFC 5545 3.3.5 reads a TZID time in the repeated hour as its first
    occurrence, so only UTC can name the second; and some clients (khal) read the first
    one as the second, so UTC names either one for every client."""
    if falls_in_repeated_hour(moment, zone_name):
        return moment.astimezone(UTC)
    return moment.astimezone(zone(zone_name))


def _vevent(entry: CalendarEntry, method: Method, stamp: datetime) -> list[str]:
    """The VEVENT's content lines, unfolded, its properties in the order icalendar wrote
    them: SUMMARY, DTSTART, DTEND, DTSTAMP, UID, SEQUENCE, then the others by name."""
    cancelled = entry.cancelled or method is Method.CANCEL
    lines = ["BEGIN:VEVENT", f"SUMMARY:{content_lines.text(entry.summary)}",
             content_lines.moment("DTSTART", _moment(entry.starts_at, entry.zone_name)),
             content_lines.moment("DTEND", _moment(entry.ends_at, entry.zone_name)),
             content_lines.utc_stamp("DTSTAMP", stamp), f"UID:{content_lines.text(entry.uid)}",
             f"SEQUENCE:{int(entry.sequence)}"]
    if entry.attendee is not None and method is not Method.PUBLISH:
        lines.append(_address("ATTENDEE", entry.attendee,
                              f"PARTSTAT={content_lines.parameter(entry.partstat.value)};"
                              "ROLE=REQ-PARTICIPANT;RSVP=TRUE"))
    if entry.description:
        lines.append(f"DESCRIPTION:{content_lines.text(entry.description)}")
    if entry.geo is not None:
        lines.append(f"GEO:{float(entry.geo[0])};{float(entry.geo[1])}")
    if entry.location:
        lines.append(f"LOCATION:{content_lines.text(entry.location)}")
    if entry.organizer is not None:
        lines.append(_address("ORGANIZER", entry.organizer))
    lines.append("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
    if entry.url:
        lines.append(f"URL:{content_lines.address(entry.url)}")
    if entry.alarm_minutes_before and not cancelled:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY",
                  f"DESCRIPTION:{content_lines.text(entry.summary)}",
                  f"TRIGGER:{content_lines.duration(timedelta(minutes=-entry.alarm_minutes_before))}",
                  "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def _address(name: str, person: Person, parameters: str = "") -> str:
    """An ORGANIZER or ATTENDEE line: its CN (when the person has a name) and the other
    parameters, in order of their names, then the mailto: address."""
    if person.name:
        common_name = f"CN={content_lines.parameter(person.name, common_name=True)}"
        parameters = f"{common_name};{parameters}" if parameters else common_name
    address = content_lines.address(f"mailto:{person.email}")
    return f"{name};{parameters}:{address}" if parameters else f"{name}:{address}"

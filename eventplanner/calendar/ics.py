"""iCalendar files built from plain objects: no Flask, no request, no database.

RFC 5545 and RFC 5546 (iTIP) through the icalendar package: stable UIDs, SEQUENCE for
updates, METHOD:REQUEST for an invitation to one guest, METHOD:CANCEL for cancellations,
METHOD:PUBLISH for files that anyone may see (no ATTENDEE, no personal links). Times carry
the event's TZID with a VTIMEZONE (``vtimezone.py``) covering the local years the file needs;
a time the zone's clock shows twice is written in UTC, the one form that names either
occurrence. A file's DTSTAMPs come from the data's last change, so the same data gives the
same bytes (a feed can answer 304 Not Modified).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

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
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if name:
        calendar.add("x-wr-calname", name)
    now = datetime.now(UTC)
    for entry in entries:
        published = entry.changed_at if method is Method.PUBLISH else None
        calendar.add_component(_vevent(entry, method, stamp or published or now))
    content = calendar.to_ical()
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


def _vevent(entry: CalendarEntry, method: Method, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", entry.sequence)
    event.add("dtstart", _moment(entry.starts_at, entry.zone_name))
    event.add("dtend", _moment(entry.ends_at, entry.zone_name))
    event.add("summary", entry.summary)
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    if entry.geo is not None:
        event.add("geo", entry.geo)
    cancelled = entry.cancelled or method is Method.CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if entry.organizer is not None:
        event.add("organizer", _address(entry.organizer))
    if entry.attendee is not None and method is not Method.PUBLISH:
        attendee = _address(entry.attendee)
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["partstat"] = entry.partstat.value
        attendee.params["rsvp"] = "TRUE"
        event.add("attendee", attendee)
    if entry.alarm_minutes_before and not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", entry.summary)
        alarm.add("trigger", timedelta(minutes=-entry.alarm_minutes_before))
        event.add_component(alarm)
    return event


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["cn"] = person.name
    return address

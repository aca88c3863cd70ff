"""Calendar files written line by line (``calendar.content_lines``) are byte for byte what
icalendar's generator wrote for the same entries, and icalendar reads them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Event, vCalAddress
from icalendar.parser import Contentline

from eventplanner.calendar.content_lines import fold
from eventplanner.calendar.ics import (
    PRODUCT_ID,
    CalendarEntry,
    Method,
    PartStat,
    Person,
    build_calendar,
)
from eventplanner.calendar.vtimezone import vtimezone
from eventplanner.timezones import falls_in_repeated_hour, zone

#: Zones with a repeated hour, half hours, the southern summer, none at all, and ones that
#: icalendar writes as UTC (their clock is UTC's).
ZONES = ["Europe/Oslo", "America/Santiago", "Asia/Kolkata", "Australia/Lord_Howe",
         "America/St_Johns", "UTC", "Africa/Abidjan", "Atlantic/Reykjavik", "Asia/Tokyo"]


def written_by_icalendar(entries: list[CalendarEntry], method: Method, name: str,
                         stamp: datetime) -> bytes:
    """The file as ``build_calendar`` wrote it through icalendar's Calendar and Event."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if name:
        calendar.add("x-wr-calname", name)
    for entry in entries:
        calendar.add_component(_event(entry, method, stamp))
    content = calendar.to_ical()
    if not entries:
        return content
    zones = b""
    for zone_name in sorted({entry.zone_name for entry in entries}):
        tz = zone(zone_name)
        mine = [entry for entry in entries if entry.zone_name == zone_name]
        zones += vtimezone(zone_name, min(e.starts_at.astimezone(tz).year for e in mine),
                           max(e.ends_at.astimezone(tz).year for e in mine))
    head, separator, rest = content.partition(b"BEGIN:VEVENT\r\n")
    return head + zones + separator + rest


def _on_the_clock(moment: datetime, zone_name: str) -> datetime:
    if falls_in_repeated_hour(moment, zone_name):
        return moment.astimezone(UTC)
    return moment.astimezone(zone(zone_name))


def _event(entry: CalendarEntry, method: Method, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", entry.sequence)
    event.add("dtstart", _on_the_clock(entry.starts_at, entry.zone_name))
    event.add("dtend", _on_the_clock(entry.ends_at, entry.zone_name))
    event.add("summary", entry.summary)
    for name in ("location", "description", "url"):
        if getattr(entry, name):
            event.add(name, getattr(entry, name))
    if entry.geo is not None:
        event.add("geo", entry.geo)
    cancelled = entry.cancelled or method is Method.CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if entry.organizer is not None:
        event.add("organizer", _address(entry.organizer))
    if entry.attendee is not None and method is not Method.PUBLISH:
        attendee = _address(entry.attendee)
        attendee.params.update(role="REQ-PARTICIPANT", partstat=entry.partstat.value,
                               rsvp="TRUE")
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


#: Text with what needs escaping or folding: delimiters, backslashes, line ends, carets,
#: quotes, letters of two to four octets, control characters.
any_text = st.text(st.one_of(st.characters(codec="utf-8"),
                             st.sampled_from(list("\\;,:\"'^\r\n \u2019N"))), max_size=200)
one_line = any_text.filter(lambda value: "\n" not in value)
#: A URI or an email address holds neither CR nor LF (icalendar refuses them).
addresses = any_text.filter(lambda value: "\r" not in value and "\n" not in value)
instants = st.datetimes(datetime(2001, 1, 1), datetime(2060, 1, 1), timezones=st.just(UTC))
#: Names without a backslash: icalendar writes one unquoted and then reads ``CN=\\;...`` as
#: an escaped semicolon; we quote it (``test_icalendar_reads_back_what_was_written``).
people = st.builds(Person, addresses, any_text.filter(lambda value: "\\" not in value))


@st.composite
def entries(draw) -> CalendarEntry:
    starts_at = draw(instants)
    return CalendarEntry(
        uid=draw(any_text), sequence=draw(st.integers(0, 10**6)), summary=draw(any_text),
        starts_at=starts_at, ends_at=starts_at + draw(st.timedeltas(timedelta(0),
                                                                   timedelta(days=400))),
        zone_name=draw(st.sampled_from(ZONES)), location=draw(any_text),
        description=draw(any_text), url=draw(addresses),
        geo=draw(st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180))),
        cancelled=draw(st.booleans()),
        alarm_minutes_before=draw(st.none() | st.integers(0, 10**6)),
        organizer=draw(st.none() | people), attendee=draw(st.none() | people),
        partstat=draw(st.sampled_from(PartStat)))


@pytest.mark.long
@settings(max_examples=300, deadline=None)
@given(st.lists(entries(), max_size=3), st.sampled_from(Method), one_line,
       st.datetimes(datetime(2001, 1, 1), datetime(2060, 1, 1),
                    timezones=st.sampled_from([None, UTC, zone("America/Santiago")])))
def test_a_file_is_byte_for_byte_what_icalendar_wrote(entries, method, name, stamp):
    assert build_calendar(entries, method, name, stamp) == written_by_icalendar(
        entries, method, name, stamp)


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(codec="utf-8", exclude_characters="\r\n"),
                         st.sampled_from(list("\\^;,"))), max_size=400))
def test_a_line_is_folded_where_icalendar_folds_it(line):
    assert fold(line).encode("utf-8") == Contentline(line).to_ical()


#: Text that reads back as it was written: no control characters but the line end (icalendar
#: writes a lone CR as a line end, reads a written "\N" as one, and refuses control
#: characters in a parameter as RFC 5545 does).
plain_text = st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=["Cc"]),
                               st.sampled_from(list("\\;,:\"^ \n"))), max_size=200).filter(
    lambda value: "\\N" not in value)


@settings(max_examples=100, deadline=None)
@given(plain_text, plain_text, plain_text, plain_text.filter(lambda value: "\n" not in value))
@example("", "", "", "\\")  # a name of one backslash took the next parameter with it
def test_icalendar_reads_back_what_was_written(summary, description, location, name):
    entry = CalendarEntry(
        uid="activity-7@example.com", sequence=3, summary=summary,
        starts_at=datetime(2027, 10, 1, 14, tzinfo=UTC),
        ends_at=datetime(2027, 10, 1, 16, tzinfo=UTC), zone_name="Europe/Oslo",
        location=location, description=description, url="https://example.com/r/x",
        geo=(60.3964, 5.3334), alarm_minutes_before=30,
        organizer=Person("host@example.com", name),
        attendee=Person("guest@example.com", name), partstat=PartStat.TENTATIVE)
    [event] = Calendar.from_ical(build_calendar([entry], Method.REQUEST)).walk("VEVENT")
    assert (event["SUMMARY"], event.get("DESCRIPTION", ""), event.get("LOCATION", "")) == (
        summary, description, location)
    assert event.start == datetime(2027, 10, 1, 16, tzinfo=zone("Europe/Oslo"))
    assert event["ATTENDEE"] == "mailto:guest@example.com"
    assert event["ATTENDEE"].params.get("CN", "") == name
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert event["ORGANIZER"].params.get("CN", "") == name
    assert event["GEO"].latitude == 60.3964
    [alarm] = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)

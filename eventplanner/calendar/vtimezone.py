"""VTIMEZONE components written from zoneinfo's own transitions (RFC 5545 3.6.5).

Each observance's DTSTART is the local time **before** the change, read with its
TZOFFSETFROM, as the RFC and the IANA-derived VTIMEZONEs (and Outlook) have it: Europe/Oslo
goes to summer time at ``DTSTART:20270328T020000`` with ``TZOFFSETFROM:+0100``. (icalendar
7.3's ``Timezone.from_tzid`` writes the time after the change, 03:00, so clients that read
the embedded VTIMEZONE put the change an hour late.)

The component covers whole local years: the first observance starts on 1 January of the
first year at 00:00 local time, with the offset then in force; every change in zoneinfo up to
1 January after the last year follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from eventplanner.timezones import zone

#: Zones change at most a few times a year; no two changes come within this step of each
#: other, so a scan in such steps sees every one of them.
SCAN_STEP = timedelta(hours=6)


@dataclass(frozen=True)
class Observance:
    """From ``onset`` (UTC) on, the clock reads UTC + ``offset_to``, called ``name``."""

    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_daylight: bool

    @property
    def local_onset(self) -> datetime:
        """The onset as read on the clock before it: RFC 5545's DTSTART."""
        return (self.onset + self.offset_from).replace(tzinfo=None)


def _reading(zone_name: str, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(zone(zone_name))
    return local.utcoffset(), local.dst(), local.tzname() or ""


def _first_change_after(zone_name: str, before: datetime, after: datetime) -> datetime:
    """The first whole second in (before, after] whose reading differs from ``before``'s."""
    reading = _reading(zone_name, before)
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _reading(zone_name, before + timedelta(seconds=middle)) == reading:
            low = middle
        else:
            high = middle
    return before + timedelta(seconds=high)


def observances(zone_name: str, first_year: int, last_year: int) -> list[Observance]:
    """The zone's observances from 1 January ``first_year`` to 1 January after
    ``last_year`` (local time): the one in force at the start, then each change."""
    tz = zone(zone_name)
    start = datetime(first_year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    reading = offset, dst, name = _reading(zone_name, start)
    found = [Observance(start, offset, offset, name, dst > timedelta(0))]
    moment = start
    while moment < end:
        step_end = min(moment + SCAN_STEP, end)
        next_reading = _reading(zone_name, step_end)
        if next_reading != reading:
            step_end = _first_change_after(zone_name, moment, step_end)
            next_reading = offset_to, dst, name = _reading(zone_name, step_end)
            found.append(Observance(step_end, found[-1].offset_to, offset_to, name,
                                    dst > timedelta(0)))
        moment, reading = step_end, next_reading
    return found


def _offset_text(offset: timedelta) -> str:
    """``+0100``, ``-0430``; ``+005328`` for an offset with seconds."""
    sign = "-" if offset < timedelta(0) else "+"
    seconds = abs(int(offset.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _observance_lines(observance: Observance) -> list[str]:
    kind = "DAYLIGHT" if observance.is_daylight else "STANDARD"
    lines = [f"BEGIN:{kind}",
             f"DTSTART:{observance.local_onset:%Y%m%dT%H%M%S}",
             f"TZOFFSETFROM:{_offset_text(observance.offset_from)}",
             f"TZOFFSETTO:{_offset_text(observance.offset_to)}"]
    if observance.name:
        lines.append(f"TZNAME:{_escaped(observance.name)}")
    return [*lines, f"END:{kind}"]


def _escaped(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping (zone abbreviations are plain, but be safe)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


@lru_cache(maxsize=256)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE for ``zone_name`` over whole local years, CRLF line ends: computed
    once per zone and years, then reused."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    for observance in observances(zone_name, first_year, last_year):
        lines.extend(_observance_lines(observance))
    lines.append("END:VTIMEZONE")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")

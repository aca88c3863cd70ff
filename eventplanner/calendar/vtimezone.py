"""VTIMEZONE components written from zoneinfo's own transitions (RFC 5545 3.6.5).

Each observance's DTSTART is the local time **before** the change, read with its
TZOFFSETFROM, as the RFC and the IANA-derived VTIMEZONEs (and Outlook) have it: Europe/Oslo
goes to summer time at ``DTSTART:19960331T020000`` with ``TZOFFSETFROM:+0100``. (icalendar
7.3's ``Timezone.from_tzid`` writes the time after the change, 03:00, so clients that read
the embedded VTIMEZONE put the change an hour late.)

Changes that recur every year on the same weekday rule ("the last Sunday of March at 02:00")
are written once with an RRULE, as the IANA-derived VTIMEZONEs are. The component covers
2000-2040 (and the file's years, if outside), and the rules in force in its last year go on
without an end. A zone's VTIMEZONE is then the same in every file, small (Europe/Oslo: three
observances) and right for every year; that matters to vobject, which keeps the first
VTIMEZONE it reads for a TZID and converts every later file's times with it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from eventplanner.timezones import zone

#: The component covers these years at least: the same one in every file, and enough
#: years of each rule in force that its RRULE is the zone's own.
FIRST_YEAR, LAST_YEAR = 2000, 2040
#: A scan in such steps sees every change: since 2000 no zone has changed twice within a
#: week (Brazil's one-week summer time of October 2000 is the closest pair). Checked
#: against a scan by the day for every zone, 2000-2040.
SCAN_STEP = timedelta(days=2)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


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

    @property
    def yearly_key(self) -> tuple:
        """What a change shares with the same change in other years."""
        local = self.local_onset
        return (self.is_daylight, self.offset_from, self.offset_to, self.name, local.month,
                local.weekday(), local.time())

    @property
    def day_rules(self) -> list[str]:
        """The RRULE parts that put the change on its day, preferred first, as IANA's rules
        say it: "the last Sunday" (BYDAY=-1SU), "the second Sunday" (BYDAY=2SU), "the first
        Sunday on or after the d-th" (BYDAY=SU;BYMONTHDAY=d,...,d+6, earliest d first)."""
        local = self.local_onset
        weekday = WEEKDAYS[local.weekday()]
        days_in_month = calendar.monthrange(local.year, local.month)[1]
        firsts = range(max(1, local.day - 6), local.day + 1)
        return ([f"BYDAY=-1{weekday}"] if local.day + 7 > days_in_month else []) + [
            f"BYDAY={(first - 1) // 7 + 1}{weekday}" for first in firsts
            if first in (1, 8, 15, 22)] + [
            f"BYDAY={weekday};BYMONTHDAY={','.join(map(str, range(first, first + 7)))}"
            for first in firsts]


@dataclass
class YearlyRun:
    """The same change in consecutive years on one day rule: one RRULE."""

    changes: list[Observance]
    #: The day rules every change of the run follows, preferred first.
    day_rules: list[str]

    def takes(self, change: Observance) -> bool:
        last = self.changes[-1]
        return (change.yearly_key == last.yearly_key
                and change.local_onset.year == last.local_onset.year + 1
                and any(rule in self.day_rules for rule in change.day_rules))

    def add(self, change: Observance) -> None:
        self.changes.append(change)
        self.day_rules = [rule for rule in self.day_rules if rule in change.day_rules]

    def rule(self, open_ended: bool) -> str:
        rule = f"FREQ=YEARLY;BYMONTH={self.changes[0].local_onset.month};{self.day_rules[0]}"
        if open_ended:
            return rule
        # UNTIL is UTC (RFC 5545 3.3.10); a day after the last change, so that readers
        # that compare it with local times (dateutil) still see that change.
        until = self.changes[-1].onset + timedelta(days=1)
        return f"{rule};UNTIL={until:%Y%m%dT%H%M%SZ}"


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
    start = datetime(first_year, 1, 1, tzinfo=zone(zone_name)).astimezone(UTC)
    offset, dst, name = _reading(zone_name, start)
    found = [Observance(start, offset, offset, name, dst > timedelta(0))]
    for year in range(first_year, last_year + 1):
        found.extend(_changes_in(zone_name, year))
    return found


@lru_cache(maxsize=4096)
def _changes_in(zone_name: str, year: int) -> tuple[Observance, ...]:
    """The zone's changes in one local year, found by a scan and then to the second."""
    tz = zone(zone_name)
    moment = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    reading = _reading(zone_name, moment)
    changes = []
    while moment < end:
        step_end = min(moment + SCAN_STEP, end)
        next_reading = _reading(zone_name, step_end)
        if next_reading != reading:
            step_end = _first_change_after(zone_name, moment, step_end)
            next_reading = offset_to, dst, name = _reading(zone_name, step_end)
            changes.append(Observance(step_end, reading[0], offset_to, name,
                                      dst > timedelta(0)))
        moment, reading = step_end, next_reading
    return tuple(changes)


def yearly_runs(changes: list[Observance]) -> list[YearlyRun]:
    """The changes grouped into runs of the same change in consecutive years, each run in
    the order of its first change."""
    runs: list[YearlyRun] = []
    for change in changes:
        run = next((run for run in runs if run.takes(change)), None)
        if run is None:
            runs.append(YearlyRun([change], change.day_rules))
        else:
            run.add(change)
    return runs


def _offset_text(offset: timedelta) -> str:
    """``+0100``, ``-0430``; ``+005328`` for an offset with seconds."""
    sign = "-" if offset < timedelta(0) else "+"
    seconds = abs(int(offset.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _observance_lines(observance: Observance, rule: str | None = None) -> list[str]:
    kind = "DAYLIGHT" if observance.is_daylight else "STANDARD"
    lines = [f"BEGIN:{kind}",
             f"DTSTART:{observance.local_onset:%Y%m%dT%H%M%S}",
             f"TZOFFSETFROM:{_offset_text(observance.offset_from)}",
             f"TZOFFSETTO:{_offset_text(observance.offset_to)}"]
    if rule:
        lines.append(f"RRULE:{rule}")
    if observance.name:
        lines.append(f"TZNAME:{_escaped(observance.name)}")
    return [*lines, f"END:{kind}"]


def _escaped(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping (zone abbreviations are plain, but be safe)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def vtimezone(zone_name: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE for ``zone_name``, right for ``first_year`` to ``last_year`` and,
    while the zone's rules stay as they are, every year after. CRLF line ends."""
    return _vtimezone(zone_name, min(first_year, FIRST_YEAR), max(last_year, LAST_YEAR))


@lru_cache(maxsize=256)
def _vtimezone(zone_name: str, first_year: int, last_year: int) -> bytes:
    """Computed once per zone (and years), then reused."""
    start, *changes = observances(zone_name, first_year, last_year)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}", *_observance_lines(start)]
    for run in yearly_runs(changes):
        reaches_the_end = run.changes[-1].local_onset.year == last_year
        if len(run.changes) == 1 and not reaches_the_end:
            lines.extend(_observance_lines(run.changes[0]))
        else:
            lines.extend(_observance_lines(run.changes[0], run.rule(reaches_the_end)))
    lines.append("END:VTIMEZONE")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")

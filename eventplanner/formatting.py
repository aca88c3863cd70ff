"""Dates and times as people read them: in the event's zone and the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_timedelta
from flask_babel import get_locale

from eventplanner.timezones import utc_to_local, zone


def _locale():
    return get_locale() or "en"


def format_moment(moment: datetime | None, zone_name: str) -> str:
    """A moment on the clock of ``zone_name``: "Fri, Sep 17, 2027, 12:00"."""
    if moment is None:
        return ""
    local, locale = utc_to_local(moment, zone_name), Locale.parse(_locale())
    day = format_skeleton("yMMMEd", local, locale=locale)
    clock = format_skeleton("Hm", local, locale=locale)
    return locale.datetime_formats["medium"].format(clock, day)


def format_day(moment: datetime, zone_name: str, format: str = "full") -> str:
    """The day of ``moment`` in ``zone_name``: "Friday, 1 October 2027"."""
    return format_date(utc_to_local(moment, zone_name).date(), format, locale=_locale())


def format_day_and_time(moment: datetime | None, zone_name: str) -> str:
    """A deadline as a guest reads it: "fredag 1. oktober 2027 kl. 16:00"."""
    from flask_babel import gettext

    if moment is None:
        return ""
    return gettext("%(day)s at %(time)s", day=format_day(moment, zone_name),
                   time=format_clock(moment, zone_name))


def format_clock(moment: datetime | None, zone_name: str) -> str:
    """The time of day on the clock of ``zone_name``: "16:05"."""
    if moment is None:
        return ""
    return format_skeleton("Hm", utc_to_local(moment, zone_name), locale=_locale())


def format_calendar_date(day: date | None, format: str = "medium") -> str:
    """A date without a time (a note's date): "24 Nov 2026"."""
    return format_date(day, format, locale=_locale()) if day else ""


def format_time_since(moment: datetime | None, now: datetime) -> str:
    """How long ago, in words: "2 years ago", "3 months ago"."""
    if moment is None:
        return ""
    return format_timedelta(moment - now, add_direction=True, locale=_locale())


def format_time_range(start: datetime, end: datetime, zone_name: str) -> str:
    """A part's time: "16:00–17:30", with dates when it spans days, and with each end's
    zone when the clocks change in between ("02:30 CEST–03:30 CET" lasts two hours)."""
    tz = zone(zone_name)
    local_start, local_end = utc_to_local(start, zone_name), utc_to_local(end, zone_name)
    skeleton = "Hm" if local_start.date() == local_end.date() else "yMMMdHm"
    if local_start.utcoffset() != local_end.utcoffset():
        locale = Locale.parse(_locale())
        ends = [_clock_with_zone(moment, zone_name, locale, with_day=skeleton != "Hm")
                for moment in (local_start, local_end)]
        return locale.interval_formats[None].format(*ends)
    return format_interval(start, end, skeleton, tzinfo=tz, locale=_locale())


def _clock_with_zone(local: datetime, zone_name: str, locale: Locale, with_day: bool) -> str:
    """"02:30 CEST", or "31 Oct 2027, 02:30 CEST" with the day."""
    clock = format_skeleton("Hm", local, locale=locale)
    if with_day:
        clock = locale.datetime_formats["medium"].format(
            clock, format_skeleton("yMMMd", local, locale=locale))
    # Both ends of a part across a clock change must differ: an offset where no name does.
    return f"{clock} {short_zone_name(local, zone_name) or utc_offset(local, zone_name)}"


def format_date_range(start: datetime | None, end: datetime | None, zone_name: str) -> str:
    """An event's dates: "Fri, 1 Oct 2027" or "1–3 Oct 2027"."""
    if start is None or end is None:
        return ""
    tz = zone(zone_name)
    if utc_to_local(start, zone_name).date() == utc_to_local(end, zone_name).date():
        return format_skeleton("yMMMEd", utc_to_local(start, zone_name), locale=_locale())
    return format_interval(start, end, "yMMMd", tzinfo=tz, locale=_locale())


def short_zone_name(moment: datetime, zone_name: str) -> str | None:
    """The zone's short name at that moment (CEST, CET); None where it has only a number
    ("-03" in Santiago)."""
    name = utc_to_local(moment, zone_name).tzname() or ""
    return None if not name or name.startswith(("+", "-")) else name


def utc_offset(moment: datetime, zone_name: str) -> str:
    """"UTC+02:00": how far the zone's clock is from UTC at that moment."""
    minutes = int(utc_to_local(moment, zone_name).utcoffset().total_seconds()) // 60
    return f"UTC{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_abbreviation(moment: datetime, zone_name: str) -> str:
    """The zone's short name at that moment (CEST, CET), or its name when it has none."""
    return short_zone_name(moment, zone_name) or zone_name

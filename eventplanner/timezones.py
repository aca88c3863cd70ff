"""Wall-clock times in an event's time zone, and their UTC equivalents.

Organisers type times as they read them on a clock in the event's city; the database keeps
UTC. These functions convert between the two, refuse times a clock never shows (the hour
skipped when summer time starts) and tell which times it shows twice (the hour repeated when
it ends); ``datetime.fold`` says which of the two is meant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped in that zone (clocks jump forward)."""


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """IANA zone names offered to organisers, sorted (``Europe/Oslo``, ...)."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith(
        ("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    names.add("UTC")
    return tuple(sorted(names))


def is_known_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``KeyError`` when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise KeyError(name) from exc


def instants_showing(wall_clock: datetime, zone_name: str) -> list[datetime]:
    """The UTC instants at which a clock in ``zone_name`` shows ``wall_clock``, earliest
    first: none in the hour skipped when clocks go forward, two in the hour repeated when
    they go back, else one."""
    tz = zone(zone_name)
    instants: list[datetime] = []
    for fold in (0, 1):
        instant = wall_clock.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        shown = instant.astimezone(tz).replace(tzinfo=None)
        if shown == wall_clock and instant not in instants:
            instants.append(instant)
    return sorted(instants)


def is_ambiguous(wall_clock: datetime, zone_name: str) -> bool:
    """The clock shows this time twice (the repeated hour when clocks go back)."""
    return len(instants_showing(wall_clock, zone_name)) == 2


def falls_in_repeated_hour(moment: datetime, zone_name: str) -> bool:
    """The zone's clock shows ``moment``'s reading twice. (A real instant's reading is never
    a skipped one, so two different offsets for it mean the repeated hour.)"""
    local = moment.astimezone(zone(zone_name))
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def local_to_utc(wall_clock: datetime, zone_name: str) -> datetime:
    """Turn a naive wall-clock time in ``zone_name`` into an aware UTC datetime.

    In the repeated hour when clocks go back, ``wall_clock.fold`` chooses: 0 the first
    occurrence (before the change), 1 the second (PEP 495).
    Raises ``NonexistentLocalTime`` for a time inside the skipped hour.
    """
    instants = instants_showing(wall_clock, zone_name)
    if not instants:
        raise NonexistentLocalTime(wall_clock.isoformat())
    return instants[-1] if wall_clock.fold else instants[0]


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    """The aware datetime ``moment`` as seen on a clock in ``zone_name``."""
    return moment.astimezone(zone(zone_name))


def wall_clock(moment: datetime, zone_name: str) -> datetime:
    """The naive wall-clock reading of ``moment`` in ``zone_name`` (for form fields)."""
    return utc_to_local(moment, zone_name).replace(tzinfo=None)

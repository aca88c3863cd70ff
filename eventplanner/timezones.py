"""Wall-clock times in an event's time zone, and their UTC equivalents.

Organisers type times as they read them on a clock in the event's city; the database keeps
UTC. These functions convert between the two and refuse times a clock never shows (the hour
skipped when summer time starts).
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


def local_to_utc(wall_clock: datetime, zone_name: str) -> datetime:
    """Turn a naive wall-clock time in ``zone_name`` into an aware UTC datetime.

    In the repeated hour when clocks go back, the first occurrence is taken.
    Raises ``NonexistentLocalTime`` for a time inside the skipped hour.
    """
    tz = zone(zone_name)
    local = wall_clock.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != wall_clock.replace(fold=0):
        raise NonexistentLocalTime(wall_clock.isoformat())
    return as_utc


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    """The aware datetime ``moment`` as seen on a clock in ``zone_name``."""
    return moment.astimezone(zone(zone_name))


def wall_clock(moment: datetime, zone_name: str) -> datetime:
    """The naive wall-clock reading of ``moment`` in ``zone_name`` (for form fields)."""
    return utc_to_local(moment, zone_name).replace(tzinfo=None)

"""Race times as people write them: "9:45", "09:45", "1:02:03".

Stored as whole seconds. Parsing refuses what a stopwatch never shows ("9:61", "-1:00") with
a message the guest or organiser can act on.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from eventplanner.errors import InvalidInput

TIME_PATTERN = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$")
#: Longer than any stair race, shorter than anything that would be a typo.
LONGEST = 24 * 3600 - 1


class BadTime(InvalidInput):
    default_message = _l("Write the time as m:ss, mm:ss or h:mm:ss, e.g. 9:45 or 1:02:03.")


def parse_duration(text: str | None) -> int:
    """Seconds in "m:ss", "mm:ss" or "h:mm:ss" (or with dots); ``BadTime`` otherwise."""
    cleaned = (text or "").strip().replace(".", ":")  # "9.45" is how many write 9:45
    if not cleaned:
        raise BadTime(_l("Enter a time, e.g. 9:45."))
    match = TIME_PATTERN.match(cleaned)
    if match is None:
        raise BadTime()
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if seconds >= 60:
        raise BadTime(_l("%(time)s has %(seconds)d seconds: a minute has 60.",
                         time=cleaned, seconds=seconds))
    if hours and minutes >= 60:
        raise BadTime(_l("%(time)s has %(minutes)d minutes: an hour has 60.",
                         time=cleaned, minutes=minutes))
    total = hours * 3600 + minutes * 60 + seconds
    if total == 0:
        raise BadTime(_l("A time must be longer than 0:00."))
    if total > LONGEST:
        raise BadTime(_l("That is longer than a day: check the time."))
    return total


def format_duration(seconds: int | None) -> str:
    """ "9:45" under an hour, "1:02:03" from an hour on; "" for no time."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"

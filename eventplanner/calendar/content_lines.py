"""RFC 5545 content lines written directly: values escaped, parameters quoted, lines folded.

Each form is the one icalendar 7 writes, so a calendar file keeps the bytes it had when
icalendar's generator wrote it (``tests/test_ics_content_lines.py`` compares the two on
generated entries); written here because that generator took about 1 ms per guest's file,
most of the mail worker's time per invitation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar.timezone.tzid import tzid_from_tzinfo

#: A line longer than this many octets goes on in continuation lines ("CRLF space").
FOLD_AT = 75
#: Characters that put a parameter value in double quotes (RFC 5545 3.1), and those that
#: do so for a CN.
_QUOTE_FOR = frozenset(",;:\u2019")
_QUOTE_CN_FOR = frozenset(" '")


def text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, every line
    end written ``\\n``. A ``\\N`` already in the text is read as a line end."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
            .replace("\r", "\\n"))


def address(value: str) -> str:
    """A URI or CAL-ADDRESS value, written as it is: it cannot hold a CR or LF."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"A URI may not contain CR or LF characters: {value!r}")
    return value


def as_is(value: str) -> str:
    """The value of an X- property, written as it is: it cannot hold a line break."""
    if "\n" in value:
        raise ValueError(f"A content line may not contain a line break: {value!r}")
    return value


def parameter(value: str, *, common_name: bool = False) -> str:
    """A parameter value: RFC 6868 escapes (``^^``, ``^n``, ``^'``), in double quotes when
    it holds a delimiter (a common name also when it holds a space or an apostrophe)."""
    quoted = common_name and not _QUOTE_CN_FOR.isdisjoint(value)
    if "^" in value or "\r" in value or "\n" in value or '"' in value:
        value = (value.replace("^", "^^").replace("\r\n", "^n").replace("\r", "^n")
                 .replace("\n", "^n").replace('"', "^'"))
    if quoted or not _QUOTE_FOR.isdisjoint(value):
        return f'"{value}"'
    return value


def moment(name: str, value: datetime) -> str:
    """``DTSTART;TZID=Europe/Oslo:20271001T160000``, or ``...T140000Z`` in UTC (also for
    a zone that icalendar names ``UTC`` because its clock is UTC's, such as
    Africa/Abidjan: its local time is then written with a Z)."""
    stamp = (f"{value.year:04}{value.month:02}{value.day:02}"
             f"T{value.hour:02}{value.minute:02}{value.second:02}")
    tzid = _zone_tzid(value.tzinfo) if value.tzinfo is not None else None
    if tzid is None and value.tzinfo is not None:
        tzid = value.tzname()
    if tzid == "UTC":
        return f"{name}:{stamp}Z"
    if tzid is None:
        return f"{name}:{stamp}"
    return f"{name};TZID={parameter(tzid)}:{stamp}"


def utc_stamp(name: str, value: datetime) -> str:
    """A DTSTAMP: the instant in UTC (a naive value is read as UTC)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment(name, value)


@lru_cache(maxsize=512)
def _zone_tzid(tzinfo) -> str | None:
    """The TZID icalendar gives a zone: ``UTC`` for one whose clock is UTC's."""
    return tzid_from_tzinfo(tzinfo)


def duration(value: timedelta) -> str:
    """A DURATION (RFC 5545 3.3.6): ``-PT2H``, ``P1DT30M``."""
    sign = ""
    if value.days < 0:
        sign, value = "-", -value
    time_part = ""
    if value.seconds:
        hours, rest = divmod(value.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time_part = "T"
        if hours:
            time_part += f"{hours}H"
        if minutes or (hours and seconds):
            time_part += f"{minutes}M"
        if seconds:
            time_part += f"{seconds}S"
    if value.days == 0 and time_part:
        return f"{sign}P{time_part}"
    return f"{sign}P{value.days}D{time_part}"


def fold(line: str) -> str:
    """The line in pieces of at most 74 octets joined by CRLF and a space, never splitting
    a character, and never leaving a piece ending in ``\\`` or ``^`` (the start of an
    escape) when the piece has more than that one character."""
    if line.isascii():
        if len(line) < FOLD_AT:
            return line
        pieces = []
        start, end_of_line = 0, len(line)
        while end_of_line - start >= FOLD_AT:
            end = start + FOLD_AT - 1
            if line[end - 1] in "\\^":
                end -= 1
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
        return "\r\n ".join(pieces)
    return _fold_characters(line)


def _fold_characters(line: str) -> str:
    """``fold`` for a line with characters beyond ASCII, counted in UTF-8 octets."""
    pieces: list[str] = []
    piece: list[str] = []
    octets = 0
    for character in line:
        size = len(character.encode("utf-8"))
        if piece and octets + size >= FOLD_AT:
            if len(piece) > 1 and piece[-1] in "\\^":
                carried = piece.pop()
                pieces.append("".join(piece))
                piece, octets = [carried], len(carried.encode("utf-8"))
            else:
                pieces.append("".join(piece))
                piece, octets = [], 0
        piece.append(character)
        octets += size
    if piece:
        pieces.append("".join(piece))
    return "\r\n ".join(pieces)

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from eventplanner.formatting import (
    format_date_range,
    format_day,
    format_moment,
    format_time_range,
    zone_abbreviation,
)

RACE_START = datetime(2027, 10, 1, 14, 0, tzinfo=UTC)  # 16:00 in Bergen
RACE_END = datetime(2027, 10, 1, 15, 30, tzinfo=UTC)
DASH = "\u2009\u2013\u2009"  # Babel's thin-spaced en dash between two times


@pytest.mark.parametrize("language, expected", [
    ("en", "Friday, October 1, 2027"),
    ("nb", "fredag 1. oktober 2027"),
    ("da", "fredag den 1. oktober 2027"),
    ("de", "Freitag, 1. Oktober 2027"),
])
def test_the_day_is_written_in_the_readers_language(app_ctx, language, expected):
    with force_locale(language):
        assert format_day(RACE_START, "Europe/Oslo") == expected


def test_times_are_shown_on_the_events_clock(app_ctx):
    with force_locale("en"):
        assert format_time_range(RACE_START, RACE_END, "Europe/Oslo") == f"16:00{DASH}17:30"
        assert format_time_range(RACE_START, RACE_END, "Europe/London") == f"15:00{DASH}16:30"
        assert format_moment(RACE_START, "Europe/Oslo") == "Fri, Oct 1, 2027, 16:00"
        assert format_date_range(RACE_START, RACE_END, "Europe/Oslo") == "Fri, Oct 1, 2027"
        assert zone_abbreviation(RACE_START, "Europe/Oslo") == "CEST"


def test_an_event_over_several_days_shows_its_date_range(app_ctx):
    with force_locale("nb"):
        text = format_date_range(RACE_START, datetime(2027, 10, 3, 12, tzinfo=UTC),
                                 "Europe/Oslo")
    assert text.startswith("1.") and "3. okt. 2027" in text


def test_a_part_across_a_clock_change_in_a_zone_without_short_names_shows_each_offset(
        app_ctx):
    """Santiago's zone has no letters ("-03", "-04"): the offsets tell the two ends apart,
    so 23:30-23:30 reads as the hour it lasts."""
    start = datetime(2027, 4, 4, 2, 30, tzinfo=UTC)  # 23:30 on 3 April, summer time (-03)
    with force_locale("en"):
        assert format_time_range(start, start.replace(hour=3), "America/Santiago") == (
            f"23:30 UTC-03:00{DASH}23:30 UTC-04:00")

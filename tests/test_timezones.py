from datetime import UTC, datetime

import pytest

from eventplanner.timezones import (
    NonexistentLocalTime,
    is_known_zone,
    local_to_utc,
    wall_clock,
    zone_names,
)


def test_summer_time_in_oslo_is_two_hours_ahead_of_utc():
    assert local_to_utc(datetime(2027, 10, 1, 16, 0), "Europe/Oslo") == datetime(
        2027, 10, 1, 14, 0, tzinfo=UTC)


def test_winter_time_in_oslo_is_one_hour_ahead_of_utc():
    assert local_to_utc(datetime(2027, 12, 10, 16, 0), "Europe/Oslo") == datetime(
        2027, 12, 10, 15, 0, tzinfo=UTC)


def test_wall_clock_reads_back_the_time_that_was_entered():
    entered = datetime(2027, 10, 1, 16, 0)
    assert wall_clock(local_to_utc(entered, "Europe/Berlin"), "Europe/Berlin") == entered


def test_the_hour_skipped_at_the_start_of_summer_time_is_refused():
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Oslo")


def test_the_repeated_hour_in_autumn_takes_the_first_occurrence():
    assert local_to_utc(datetime(2027, 10, 31, 2, 30), "Europe/Copenhagen") == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("name, known", [
    ("Europe/Oslo", True), ("America/New_York", True), ("UTC", True),
    ("Europe/Atlantis", False), ("", False), (None, False), ("../../etc/passwd", False),
])
def test_only_real_zone_names_are_known(name, known):
    assert is_known_zone(name) is known


def test_the_zone_list_is_sorted_and_offers_the_nordic_capitals():
    names = zone_names()
    assert list(names) == sorted(names)
    assert {"Europe/Oslo", "Europe/Copenhagen", "Europe/Berlin", "Europe/London"} <= set(names)

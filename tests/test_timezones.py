from datetime import UTC, datetime

import pytest

from eventplanner.timezones import (
    NonexistentLocalTime,
    falls_in_repeated_hour,
    instants_showing,
    is_ambiguous,
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


def test_the_second_occurrence_of_the_repeated_hour_is_chosen_with_fold():
    assert local_to_utc(datetime(2027, 10, 31, 2, 30, fold=1), "Europe/Copenhagen") == \
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_a_wall_clock_reading_keeps_which_occurrence_it_was():
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    reading = wall_clock(second, "Europe/Oslo")
    assert (reading, reading.fold) == (datetime(2027, 10, 31, 2, 30), 1)
    assert local_to_utc(reading, "Europe/Oslo") == second


@pytest.mark.parametrize("zone_name, wall, instants", [
    ("Europe/Oslo", datetime(2027, 10, 31, 2, 30), ["00:30", "01:30"]),
    ("Europe/Oslo", datetime(2027, 10, 31, 3, 0), ["02:00"]),
    ("Europe/Oslo", datetime(2027, 3, 28, 2, 30), []),
    ("Australia/Sydney", datetime(2027, 4, 4, 2, 30), ["15:30", "16:30"]),
    ("America/Santiago", datetime(2027, 4, 3, 23, 30), ["02:30", "03:30"]),
    ("Asia/Kolkata", datetime(2027, 10, 31, 2, 30), ["21:00"]),
])
def test_the_instants_a_clock_shows_a_time(zone_name, wall, instants):
    found = instants_showing(wall, zone_name)
    assert [f"{instant:%H:%M}" for instant in found] == instants
    assert is_ambiguous(wall, zone_name) is (len(instants) == 2)
    assert all(falls_in_repeated_hour(instant, zone_name) is (len(instants) == 2)
               for instant in found)


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

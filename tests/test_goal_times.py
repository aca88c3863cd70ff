import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventplanner.goals.times import LONGEST, BadTime, format_duration, parse_duration


@pytest.mark.parametrize("text, seconds", [
    ("9:45", 585), ("09:45", 585), ("0:59", 59), ("1:02:03", 3723), ("10:00:00", 36000),
    (" 9.45 ", 585), ("75:00", 4500),
])
def test_times_people_write_are_understood(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, message", [
    ("9:61", "has 61 seconds"),
    ("1:60:00", "has 60 minutes"),
    ("-1:00", "Write the time as"),
    ("abc", "Write the time as"),
    ("", "Enter a time"),
    (None, "Enter a time"),
    ("0:00", "longer than 0:00"),
    ("9:5", "Write the time as"),
    ("25:00:00", "longer than a day"),
    ("9:45:00:00", "Write the time as"),
])
def test_impossible_times_are_refused_with_a_reason(text, message):
    with pytest.raises(BadTime) as refused:
        parse_duration(text)
    assert message in str(refused.value.message)


def test_times_are_written_as_a_stopwatch_shows_them():
    assert [format_duration(s) for s in (585, 59, 3723, 36000, None)] == [
        "9:45", "0:59", "1:02:03", "10:00:00", ""]
    assert format_duration(-12) == "-0:12"


@given(st.integers(min_value=1, max_value=LONGEST))
def test_format_then_parse_gives_the_same_time(seconds):
    assert parse_duration(format_duration(seconds)) == seconds

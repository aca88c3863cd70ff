"""Calendar files: parsed back with icalendar and with vobject, an independent parser."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from eventplanner.auth.models import Organiser
from eventplanner.auth.services import update_profile
from eventplanner.calendar.ics import (
    CalendarEntry,
    Method,
    PartStat,
    Person,
    build_calendar,
)
from eventplanner.calendar.services import feed, feed_last_modified
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.events.services import (
    activity_details_of,
    change_event,
    change_part,
    event_details_of,
)
from eventplanner.extensions import db, utcnow
from eventplanner.mail.models import Message
from tests.caldav_server import CalDAVCalendar
from tests.conftest import activity_ids, next_year_at, personal_link_in

OSLO = "Europe/Oslo"
RACE = CalendarEntry(
    uid="activity-1@eventplanner.test", sequence=0,
    summary="Stoltzen stair race: 908 steps, æøå; Größe",
    starts_at=datetime(2027, 10, 1, 14, 0, tzinfo=UTC),
    ends_at=datetime(2027, 10, 1, 15, 30, tzinfo=UTC), zone_name=OSLO,
    location="Skansen, Skansemyren 1; Bergen",
    description="Line one, with a comma; a semicolon\nLine two: Fløyen " + "lang " * 30,
    geo=(60.3964, 5.3334), alarm_minutes_before=120,
    organizer=Person("host@example.com", "Ingrid Haugen"),
    attendee=Person("kari@client.example", "Nordmann, Kari"), partstat=PartStat.ACCEPTED,
)


def read_with_vobject(content: bytes):
    """The file as vobject reads it in a process that has not met its zones before.

    vobject keeps the first VTIMEZONE it meets for a TZID for the life of the process and
    converts every later file's times with it; each file here is read as a client would
    read it on its own.
    """
    vars(vobject.icalendar)["__tzidMap"].clear()
    return vobject.readOne(content.decode("utf-8"))


def parse_both(content: bytes):
    """The same file through two parsers that share no code."""
    return Calendar.from_ical(content), read_with_vobject(content)


def vevents(calendar: Calendar):
    return [c for c in calendar.walk("VEVENT")]


def test_a_request_parses_in_both_parsers_with_the_right_local_time():
    content = build_calendar([RACE], Method.REQUEST)
    ours, theirs = parse_both(content)
    [event] = vevents(ours)
    assert ours["METHOD"] == "REQUEST" and ours["VERSION"] == "2.0" and ours["PRODID"]
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (16, 0, OSLO)
    assert event["DTSTART"].params["TZID"] == OSLO
    assert [tz["TZID"] for tz in ours.walk("VTIMEZONE")] == [OSLO]
    assert event["SUMMARY"] == RACE.summary and event["LOCATION"] == RACE.location
    assert event["DESCRIPTION"] == RACE.description
    assert int(event["SEQUENCE"]) == 0 and event["STATUS"] == "CONFIRMED"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert str(event["ORGANIZER"]) == "mailto:host@example.com"
    assert event.decoded("GEO") is not None
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [timedelta(hours=-2)]

    vevent = theirs.vevent
    assert vevent.dtstart.value == datetime(2027, 10, 1, 16, 0, tzinfo=vevent.dtstart.value.tzinfo)
    assert vevent.dtstart.value.utcoffset() == timedelta(hours=2)
    assert vevent.summary.value == RACE.summary
    assert vevent.description.value == RACE.description
    assert vevent.attendee.params["CN"] == ["Nordmann, Kari"]


def test_lines_end_in_crlf_and_fold_at_75_octets():
    content = build_calendar([RACE], Method.REQUEST)
    lines = content.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long description is folded"


def test_a_publish_file_has_no_attendee_even_if_one_is_given():
    ours, _ = parse_both(build_calendar([RACE], Method.PUBLISH))
    [event] = vevents(ours)
    assert "ATTENDEE" not in event


def test_a_cancel_marks_the_same_uid_cancelled():
    ours, theirs = parse_both(build_calendar([RACE], Method.CANCEL))
    [event] = vevents(ours)
    assert ours["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["UID"] == RACE.uid
    assert not list(event.walk("VALARM"))
    assert theirs.vevent.status.value == "CANCELLED"


def test_a_guests_name_link_and_address_are_written_and_folded():
    link = "https://events.example.com/r/" + "A" * 43
    content = build_calendar([CalendarEntry(
        uid="u@x", sequence=0, summary="S", starts_at=RACE.starts_at, ends_at=RACE.ends_at,
        zone_name=OSLO, description=f"Link: {link}", url=link,
        organizer=Person("h@example.com"),
        attendee=Person("ase@client.example", 'Åse "Bo", Nordmann-Haugen'))], Method.REQUEST)
    assert max(len(line) for line in content.split(b"\r\n")) <= 75
    ours, theirs = parse_both(content)
    [event] = vevents(ours)
    assert event["URL"] == link and link in event["DESCRIPTION"]
    assert str(event["ATTENDEE"]) == "mailto:ase@client.example"
    assert "Nordmann-Haugen" in theirs.vevent.attendee.params["CN"][0]


# --- time zones: the embedded VTIMEZONE against zoneinfo, and read back by vobject ----------

ZONES = ["Europe/Oslo", "America/Santiago", "Australia/Sydney", "America/New_York",
         "Asia/Kolkata", "Europe/London"]
YEARS = [(2026, 2026), (2027, 2027), (2030, 2030), (2027, 2029)]


def entry_at(instant: datetime, zone_name: str, uid: str = "part@eventplanner.test",
             minutes: int = 60) -> CalendarEntry:
    return CalendarEntry(uid=uid, sequence=0, summary="Part", starts_at=instant,
                         ends_at=instant + timedelta(minutes=minutes), zone_name=zone_name)


def local_instant(zone_name: str, *wall_clock: int, fold: int = 0) -> datetime:
    return datetime(*wall_clock, tzinfo=ZoneInfo(zone_name), fold=fold).astimezone(UTC)


def rfc_offsets(content: bytes, zone_name: str, until: datetime):
    """Read the file's VTIMEZONE as RFC 5545 3.6.5 says: each observance starts at its
    DTSTART (and at each RRULE occurrence) read with its TZOFFSETFROM and sets the clock
    to TZOFFSETTO. Returns the onsets up to ``until`` as (onset in UTC, offset before,
    offset after), in time order. dateutil expands the RRULEs; nothing of ours."""
    [vtimezone] = [tz for tz in Calendar.from_ical(content).walk("VTIMEZONE")
                   if tz["TZID"] == zone_name]
    onsets = []
    for observance in vtimezone.subcomponents:
        offset_from = observance.decoded("TZOFFSETFROM")
        start = observance.decoded("DTSTART")
        assert start.tzinfo is None, "an observance's DTSTART is a local time"
        local_starts = [start]
        if "RRULE" in observance:
            rule = rrulestr("RRULE:" + observance["RRULE"].to_ical().decode(), dtstart=start,
                            ignoretz=True)
            local_starts = rule.between(start, until.replace(tzinfo=None), inc=True)
        onsets += [((local - offset_from).replace(tzinfo=UTC), offset_from,
                    observance.decoded("TZOFFSETTO")) for local in local_starts]
    return sorted(onset for onset in onsets if onset[0] < until)


def offset_by_rfc(onsets, instant: datetime) -> timedelta:
    """The offset set by the last onset at or before ``instant`` (``onsets`` in time order:
    a binary search, as the test asks for every half hour of several years)."""
    started = bisect_right(onsets, (instant, timedelta.max))  # after the onsets at instant
    assert started, f"no observance has started at {instant}"
    return onsets[started - 1][2]


def zoneinfo_changes(zone_name: str, first: datetime, last: datetime) -> list[datetime]:
    """Every instant in [first, last) where zoneinfo's offset changes, to the minute."""
    tz, changes, moment = ZoneInfo(zone_name), [], first
    while moment < last:
        if moment.astimezone(tz).utcoffset() != (moment - timedelta(minutes=1)).astimezone(
                tz).utcoffset():
            changes.append(moment)
        moment += timedelta(minutes=30 if moment.minute % 30 == 0 else 1)
    return changes


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("first_year, last_year", YEARS)
def test_the_vtimezone_reads_like_zoneinfo_at_every_moment_of_its_years(
        zone_name, first_year, last_year):
    """Every half hour of the years the file covers, and of the two years after (its last
    rules go on), the offset that the embedded VTIMEZONE gives (read as the RFC says) is
    zoneinfo's; each change happens at zoneinfo's instant, from zoneinfo's offset before."""
    tz = ZoneInfo(zone_name)
    first = local_instant(zone_name, first_year, 1, 1)
    last = local_instant(zone_name, last_year + 1, 1, 1)
    content = build_calendar([entry_at(first + timedelta(hours=12), zone_name, "a@x"),
                              entry_at(last - timedelta(hours=12), zone_name, "b@x")])
    until = local_instant(zone_name, last_year + 3, 1, 1)
    onsets = rfc_offsets(content, zone_name, until)
    assert onsets[0][0] <= first, "the VTIMEZONE covers the file's first local day"
    moment = first
    while moment < until:
        assert offset_by_rfc(onsets, moment) == moment.astimezone(tz).utcoffset(), moment
        moment += timedelta(minutes=30)
    changes = [onset for onset, before, after in onsets if first <= onset]
    assert changes == zoneinfo_changes(zone_name, first, until)
    for onset, before, after in onsets[1:]:
        assert (onset - timedelta(seconds=1)).astimezone(tz).utcoffset() == before
        assert onset.astimezone(tz).utcoffset() == after


def test_an_observance_starts_at_the_local_time_before_the_change():
    """Europe/Oslo: summer time from 02:00 CET (01:00 UTC), winter time from 03:00 CEST
    (01:00 UTC), every year on the last Sunday of March and October."""
    content = build_calendar([entry_at(datetime(2027, 6, 1, 12, tzinfo=UTC), OSLO)])
    [vtimezone] = Calendar.from_ical(content).walk("VTIMEZONE")
    changes = [(o.name, o.decoded("DTSTART").time(), o["TZOFFSETFROM"].to_ical(),
                o["TZOFFSETTO"].to_ical(), dict(o["RRULE"]))
               for o in vtimezone.subcomponents if "RRULE" in o]
    assert changes == [
        ("DAYLIGHT", time(2, 0), "+0100", "+0200",
         {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}),
        ("STANDARD", time(3, 0), "+0200", "+0100",
         {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]})]
    onsets = rfc_offsets(content, OSLO, datetime(2028, 1, 1, tzinfo=UTC))
    assert [onset for onset in onsets if onset[0].year == 2027] == [
        (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), timedelta(hours=1), timedelta(hours=2)),
        (datetime(2027, 10, 31, 1, 0, tzinfo=UTC), timedelta(hours=2), timedelta(hours=1))]


def test_a_zones_vtimezone_is_the_same_in_every_file():
    """vobject keeps the first VTIMEZONE it reads for a TZID and converts later files with
    it: a file of 2026 and one of 2029 must carry the same one, right for both."""
    files = [build_calendar([entry_at(datetime(year, 6, 1, 12, tzinfo=UTC), zone_name)])
             for year in (2026, 2029) for zone_name in (OSLO, "America/Santiago")]
    zones = [[tz.to_ical() for tz in Calendar.from_ical(content).walk("VTIMEZONE")]
             for content in files]
    assert zones[0] == zones[2] and zones[1] == zones[3]
    vars(vobject.icalendar)["__tzidMap"].clear()
    for content in files:  # one process, as a CalDAV server or client reads them
        start = vobject.readOne(content.decode()).vevent.dtstart.value
        assert start == Calendar.from_ical(content).walk("VEVENT")[0].decoded("DTSTART")


def test_new_years_eve_in_santiago_is_covered_by_its_own_years_vtimezone():
    """31 December 22:00 in Santiago is 01:00 UTC on 1 January: the VTIMEZONE still starts
    in December's year, so vobject (which reads it) shows 22:00, not 23:00."""
    instant = local_instant("America/Santiago", 2027, 12, 31, 22)
    assert instant.year == 2028
    content = build_calendar([entry_at(instant, "America/Santiago")])
    start = read_with_vobject(content).vevent.dtstart.value
    assert start == instant and start.utcoffset() == timedelta(hours=-3)
    assert rfc_offsets(content, "America/Santiago", instant)[0][0] <= instant - timedelta(hours=2)


def moments_to_check(zone_name: str, year: int) -> list[datetime]:
    """Noon on the 1st of each month, 22:00-23:59 local on New Year's Eve, and every quarter
    of an hour on each day whose offset changes (both sides of each change)."""
    tz = ZoneInfo(zone_name)
    moments = [local_instant(zone_name, year, month, 1, 12) for month in range(1, 13)]
    moments += [local_instant(zone_name, year, 12, 31, 22, minute) for minute in (0, 30, 59)]
    day = local_instant(zone_name, year, 1, 1)
    while day.astimezone(tz).year == year:
        next_day = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != next_day.astimezone(tz).utcoffset():
            moments += [day + timedelta(minutes=15 * n) for n in range(4 * 24 + 1)]
        day = next_day
    return moments


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("year", [2026, 2027, 2031])
def test_vobject_reads_every_part_at_zoneinfos_instant(zone_name, year):
    """vobject converts with the embedded VTIMEZONE, not the zone's name: each start and
    end, including both occurrences of the repeated hour, is the instant we stored."""
    moments = moments_to_check(zone_name, year)
    entries = [entry_at(moment, zone_name, f"part-{n}@x", minutes=30)
               for n, moment in enumerate(moments)]
    calendar = read_with_vobject(build_calendar(entries))
    read = {vevent.uid.value: (vevent.dtstart.value, vevent.dtend.value)
            for vevent in calendar.vevent_list}
    for entry in entries:
        start, end = read[entry.uid]
        assert (start, end) == (entry.starts_at, entry.ends_at), (zone_name, entry.starts_at)


@pytest.mark.parametrize("instant", [datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
                                     datetime(2027, 10, 31, 1, 30, tzinfo=UTC)],
                         ids=["first 02:30 (CEST)", "second 02:30 (CET)"])
def test_either_occurrence_of_the_repeated_hour_is_written_in_utc(instant):
    """With a TZID, 02:30 on 31 October can only mean the first one (RFC 5545 3.3.5)."""
    content = build_calendar([entry_at(instant, OSLO)])
    [event] = vevents(Calendar.from_ical(content))
    assert "TZID" not in event["DTSTART"].params
    assert event.decoded("DTSTART") == instant
    assert read_with_vobject(content).vevent.dtstart.value == instant


# --- through the application -------------------------------------------------------------

@pytest.fixture
def event(make_organiser, make_event, make_activity):
    owner = make_organiser(name="Ingrid Haugen", email="ingrid@example.com")
    event = make_event(owner=owner, title="Stoltzen løp & middag", status="published",
                       host_name="Ingrid Haugen", host_email="ingrid@example.com",
                       alarm_minutes_before=120)
    make_activity(event, name="Stair race", place_name="Skansen", latitude=60.3964,
                  longitude=5.3334)
    make_activity(event, name="Dinner", kind="standard", starts_at=next_year_at(10, 1, 19),
                  place_name="Bryggen")
    return event


@pytest.fixture
def parts(app, event):
    return activity_ids(app, event)


def answer(client, token, parts, race, dinner):
    response = client.submit(f"/r/{token}", {f"part_{parts[0]}": race,
                                             f"part_{parts[1]}": dinner,
                                             "dietary_needs": "", "message_to_host": ""})
    assert response.status_code == 303


def calendar_of(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, Calendar.from_ical(part.get_content())


def test_the_invitation_email_carries_one_request_for_the_whole_event(
        app, event, make_contact, log_in, smtp_server, deliver_mail):
    """Two parts, one calendar object: the whole event's entry, from the first part's start
    to the last part's end, every part in its description; the guest as ATTENDEE, the
    invitation's reply address (with the host's name) as ORGANIZER."""
    from eventplanner.calendar.services import event_uid
    from eventplanner.invitations.models import Invitation
    from eventplanner.invitations.reply_address import reply_address

    contact = make_contact(event.owner, name="Kari Nordmann", email="kari@client.example")
    log_in(event.owner).submit(f"/events/{event.id}/invite", {
        "contact_ids": str(contact.id), "company_id": "0", "tag": "",
        "plus_ones_allowed": "0", "send_now": "y"})
    deliver_mail()
    [email] = smtp_server.to("kari@client.example")
    part, calendar = calendar_of(email)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    [whole] = vevents(calendar)
    with app.app_context():
        live = db.session.scalar(select(Invitation))
        address, uid = reply_address(live), event_uid(live.event)
    assert whole["UID"] == uid and int(whole["SEQUENCE"]) == 2, "two parts were added"
    assert whole["SUMMARY"] == "Stoltzen løp & middag"
    assert str(whole["ATTENDEE"]) == "mailto:kari@client.example"
    assert whole["ATTENDEE"].params["CN"] == "Kari Nordmann"
    assert whole["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(whole["ORGANIZER"]) == f"mailto:{address}"
    assert whole["ORGANIZER"].params["CN"] == "Ingrid Haugen"
    assert email["Reply-To"] == "ingrid@example.com"
    start, end = whole.decoded("DTSTART"), whole.decoded("DTEND")
    assert (start.hour, end.hour, end.minute) == (16, 20, 30), "race start to dinner end"
    assert "Stair race" in whole["DESCRIPTION"] and "Dinner" in whole["DESCRIPTION"]
    assert "Skansen" in whole["DESCRIPTION"] and "Bryggen" in whole["DESCRIPTION"]
    assert personal_link_in(email) in str(whole["URL"])
    assert personal_link_in(email) in str(whole["DESCRIPTION"])
    vobject.readOne(part.get_content())  # the other parser accepts it too
    assert any(p.get_filename() == "invite.ics" for p in email.walk())
    assert smtp_server.senders[-1] == address, "bounces come back to the app"


def test_the_confirmation_carries_the_guests_part_and_a_companion_removes_the_whole_event(
        app, client, event, parts, make_contact, make_invitation, smtp_server, deliver_mail):
    invitation = make_invitation(event, make_contact(event.owner, email="kari@client.example"),
                                 send=True)
    deliver_mail()
    [invited] = smtp_server.to("kari@client.example")
    whole_uid = vevents(calendar_of(invited)[1])[0]["UID"]
    answer(client, invitation.token, parts, "yes", "no")
    deliver_mail()
    deliver_mail()  # the companion, queued when the confirmation was written
    [confirmation] = [m for m in smtp_server.to("kari@client.example")
                      if m["Subject"].startswith("Your answer")]
    [race] = vevents(calendar_of(confirmation)[1])
    assert race["SUMMARY"].startswith("Stair race")
    assert race["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    [companion] = [m for m in smtp_server.to("kari@client.example")
                   if "Removed from your calendar" in m["Subject"]]
    part, calendar = calendar_of(companion)
    assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    [whole] = vevents(calendar)
    assert (whole["UID"], whole["STATUS"]) == (whole_uid, "CANCELLED")
    assert len(smtp_server.to("kari@client.example")) == 3, "no entry for the part said no to"


def test_the_guest_downloads_the_parts_they_are_coming_to(
        app, client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    before = client.get(f"/r/{invitation.token}/calendar.ics")
    assert before.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = before.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Stoltzen-lop-middag.ics"; ')
    assert "filename*=UTF-8''Stoltzen-l%C3%B8p-middag.ics" in disposition
    assert len(vevents(Calendar.from_ical(before.data))) == 2, "all parts before answering"

    answer(client, invitation.token, parts, "maybe", "no")
    after = Calendar.from_ical(client.get(f"/r/{invitation.token}/calendar.ics").data)
    [race] = vevents(after)
    assert race["SUMMARY"].startswith("Stair race") and after["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in race
    assert f"/r/{invitation.token}" in race["DESCRIPTION"]
    assert race.decoded("GEO") is not None
    vobject.readOne(client.get(f"/r/{invitation.token}/calendar.ics").data.decode())

    answer(client, invitation.token, parts, "no", "no")
    nothing = client.get(f"/r/{invitation.token}/calendar.ics")
    assert nothing.status_code == 404
    assert "not coming to any part" in nothing.get_data(as_text=True)
    assert client.get("/r/" + "x" * 43 + "/calendar.ics").status_code == 404


def test_the_guest_page_offers_google_and_outlook_links(client, event, make_contact,
                                                       make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    page = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "ctz=Europe%2FOslo" in page and "dates=" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert f"/r/{invitation.token}/calendar.ics" in page


def part_form(**overrides) -> dict:
    year = next_year_at(1, 1, 0).year
    return {"name": "Stair race", "kind": "timed", "starts_at": f"{year}-10-01T16:00",
            "ends_at": f"{year}-10-01T17:30", "place_name": "Skansen", "latitude": "60.3964",
            "longitude": "5.3334", "notes": "", **overrides}


def test_a_new_time_sends_an_update_with_a_higher_sequence_and_says_what_changed(
        app, client, event, parts, make_contact, make_invitation, log_in, smtp_server,
        deliver_mail):
    coming = make_invitation(event, make_contact(event.owner, email="yes@client.example"),
                             send=True)
    declined = make_invitation(event, make_contact(event.owner, email="no@client.example"),
                               send=True)
    answer(client, coming.token, parts, "yes", "yes")
    answer(client, declined.token, parts, "no", "yes")
    organiser = log_in(event.owner)
    year = next_year_at(1, 1, 0).year
    organiser.submit(f"/events/{event.id}/activities/{parts[0]}/edit",
                     part_form(notes="Typo fixed"))
    assert len(_messages(app, "part_changed")) == 0, "a note is not worth an update"

    organiser.submit(f"/events/{event.id}/activities/{parts[0]}/edit",
                     part_form(starts_at=f"{year}-10-01T16:30", ends_at=f"{year}-10-01T18:00"))
    deliver_mail()
    [update] = [m for m in smtp_server.messages if m["Subject"] == "Changed: Stair race"]
    assert "yes@client.example" in update["To"]
    text = update.get_body(("plain",)).get_content()
    assert "16:00" in text and "16:30" in text
    [race] = vevents(calendar_of(update)[1])
    assert int(race["SEQUENCE"]) == 1
    assert race["UID"] == vevents(Calendar.from_ical(
        client.get(f"/r/{coming.token}/calendar.ics").data))[0]["UID"]
    assert race.decoded("DTSTART").hour == 16 and race.decoded("DTSTART").minute == 30


def test_removing_a_part_sends_a_cancel_for_the_same_uid(
        app, client, event, parts, make_contact, make_invitation, log_in, smtp_server,
        deliver_mail):
    guest = make_invitation(event, make_contact(event.owner, email="yes@client.example"),
                            send=True)
    answer(client, guest.token, parts, "yes", "yes")
    uid = vevents(Calendar.from_ical(
        client.get(f"/r/{guest.token}/calendar.ics").data))[0]["UID"]
    log_in(event.owner).submit(f"/events/{event.id}/activities/{parts[0]}/delete")
    deliver_mail()
    [cancel] = [m for m in smtp_server.messages if m["Subject"] == "Cancelled: Stair race"]
    part, calendar = calendar_of(cancel)
    assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    [race] = vevents(calendar)
    assert (race["UID"], race["STATUS"], int(race["SEQUENCE"])) == (uid, "CANCELLED", 1)


def test_cancelling_the_event_cancels_every_part_in_the_guests_calendars(
        app, client, event, parts, make_contact, make_invitation, log_in):
    guest = make_invitation(event, make_contact(event.owner), send=True)
    answer(client, guest.token, parts, "yes", "maybe")
    response = log_in(event.owner).submit(f"/events/{event.id}/edit", {
        "title": "Stoltzen løp & middag", "timezone": "Europe/Oslo",
        "default_language": "en", "status": "cancelled", "alarm_minutes_before": "120"})
    assert response.status_code == 302
    [cancel] = _messages(app, "event_cancelled")
    [companion] = _messages(app, "calendar_entry")
    summaries = []
    for message in (cancel, companion):
        [attachment] = message.attachments
        calendar = Calendar.from_ical(attachment.content)
        assert calendar["METHOD"] == "CANCEL"
        [entry] = vevents(calendar)
        assert entry["STATUS"] == "CANCELLED"
        summaries.append(str(entry["SUMMARY"]).split(":")[0])
    assert summaries == ["Stair race", "Dinner"], "one message per part the guest comes to"


def _messages(app, kind: str) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(select(Message).where(Message.kind == kind)
                                       .options(selectinload(Message.attachments))))


def test_the_organisers_download_is_shareable(app, event, log_in, make_contact,
                                              make_invitation):
    make_invitation(event, make_contact(event.owner), send=True)
    response = log_in(event.owner).get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "PUBLISH"
    assert len(vevents(calendar)) == 2
    assert b"ATTENDEE" not in response.data and b"/r/" not in response.data
    vobject.readOne(response.data.decode())


def test_an_event_without_parts_explains_instead_of_an_empty_file(log_in, make_organiser,
                                                                 make_event):
    owner = make_organiser()
    event = make_event(owner=owner)
    organiser = log_in(owner)
    response = organiser.get(f"/events/{event.id}/calendar.ics", follow_redirects=True)
    assert "This event has no parts yet" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_the_private_feed_can_be_subscribed_renewed_and_turned_off(
        app, event, log_in, make_event, make_contact, make_invitation):
    make_event(owner=event.owner, title="Draft idea")  # drafts stay out of the feed
    make_invitation(event, make_contact(event.owner), send=True)
    organiser = log_in(event.owner)
    assert "Create my calendar feed" in organiser.get("/").get_data(as_text=True)
    organiser.submit("/calendar/feed/renew")
    page = organiser.get("/").get_data(as_text=True)
    webcal = page.split('value="webcal://')[1].split('"')[0]
    path = "/" + webcal.split("/", 1)[1]
    feed = app.test_client().get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    assert len(vevents(calendar)) == 2 and b"Draft idea" not in feed.data
    assert b"ATTENDEE" not in feed.data and b"/r/" not in feed.data
    vobject.readOne(feed.data.decode())

    organiser.submit("/calendar/feed/renew")
    assert app.test_client().get(path).status_code == 404, "the old address stops working"
    organiser.submit("/calendar/feed/off")
    assert "Create my calendar feed" in organiser.get("/").get_data(as_text=True)
    assert app.test_client().get("/calendar/feed/" + "x" * 43 + ".ics").status_code == 404


# --- conditional requests: unchanged content answers 304 ----------------------------------

def feed_path(organiser) -> str:
    organiser.submit("/calendar/feed/renew")
    page = organiser.get("/").get_data(as_text=True)
    return "/" + page.split('value="webcal://')[1].split('"')[0].split("/", 1)[1]


def change_the_first_part(app, event):
    with app.app_context():
        activity = db.session.get(Activity, activity_ids(app, event)[0])
        details = activity_details_of(activity)
        change_part(activity, replace(details, starts_at=details.starts_at + timedelta(
            minutes=15)), utcnow())
        db.session.commit()


def change_the_event(app, event, **changes):
    with app.app_context():
        stored = db.session.get(Event, event.id)
        change_event(stored, replace(event_details_of(stored), **changes), utcnow())
        db.session.commit()


def rename_the_organiser(app, event, name):
    with app.app_context():
        organiser = db.session.get(Organiser, event.owner_id)
        update_profile(organiser, name, organiser.language)
        db.session.commit()


def test_the_feed_answers_304_until_anything_in_it_changes(app, event, log_in,
                                                           make_event, make_activity):
    """Calendar programs poll the feed: the same data gives the same bytes and ETag, and
    If-None-Match answers 304 with no body; every change to what the feed shows gives new
    bytes and a new ETag."""
    other = make_event(owner=event.owner, title="Autumn dinner", status="published")
    make_activity(other, name="Dinner", kind="standard", starts_at=next_year_at(11, 5, 19))
    path = feed_path(log_in(event.owner))
    poller = app.test_client()
    first = poller.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-store"
    again = poller.get(path, headers={"Accept-Language": "de"})
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    not_modified = poller.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]

    changes = {
        "a part moves": lambda: change_the_first_part(app, event),
        "the event is renamed": lambda: change_the_event(app, event, title="Stoltzen 2"),
        "the description changes": lambda: change_the_event(app, event, description="Bring shoes"),
        "an alarm is added": lambda: change_the_event(app, event, alarm_minutes_before=30),
        "the event is cancelled": lambda: change_the_event(
            app, event, status=EventStatus.CANCELLED),
        "another event goes back to draft": lambda: change_the_event(
            app, other, status=EventStatus.DRAFT),
        "the organiser is renamed": lambda: rename_the_organiser(app, event, "Ingrid H."),
    }
    seen = {first.headers["ETag"]}
    etag = first.headers["ETag"]
    for change, make_change in changes.items():
        make_change()
        response = poller.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 200, change
        assert response.headers["ETag"] not in seen, change
        etag = response.headers["ETag"]
        seen.add(etag)
        assert poller.get(path, headers={"If-None-Match": etag}).status_code == 304, change


def test_the_feed_stamps_each_part_with_its_events_last_change(app, event, log_in):
    changed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Event).where(Event.id == event.id).values(updated_at=changed))
        db.session.commit()
    path = feed_path(log_in(event.owner))
    calendar = Calendar.from_ical(app.test_client().get(path).data)
    assert {e.decoded("DTSTAMP") for e in vevents(calendar)} == {changed}


def test_the_feed_answers_if_modified_since_with_the_time_its_content_first_appeared(
        app, event, log_in):
    path = feed_path(log_in(event.owner))
    an_hour_ago = utcnow() - timedelta(hours=1)
    with app.app_context():
        organiser = db.session.get(Organiser, event.owner_id)
        feed_last_modified(organiser, feed(organiser), an_hour_ago)  # served an hour ago
        db.session.commit()
    poller = app.test_client()
    response = poller.get(path)
    assert response.last_modified == an_hour_ago.replace(microsecond=0)
    since = response.headers["Last-Modified"]
    assert poller.get(path, headers={"If-Modified-Since": since}).status_code == 304

    change_the_first_part(app, event)
    changed = poller.get(path, headers={"If-Modified-Since": since})
    assert changed.status_code == 200 and changed.data != response.data
    assert "Last-Modified" not in changed.headers, "changed this very second: no date yet"


def test_a_last_modified_date_is_given_only_once_its_second_has_passed(app_ctx,
                                                                       make_organiser):
    """HTTP dates have whole seconds: content that changed at 10:00:00.2 and again at
    10:00:00.7 must not both be "10:00:00", or a poller would miss the second change."""

    organiser = db.session.merge(make_organiser())
    start = datetime(2027, 1, 1, 10, 0, 0, 200_000, tzinfo=UTC)
    assert feed_last_modified(organiser, b"one", start) is None
    assert feed_last_modified(organiser, b"two", start + timedelta(milliseconds=500)) is None
    assert feed_last_modified(organiser, b"two", start + timedelta(seconds=3)) == datetime(
        2027, 1, 1, 10, 0, 0, tzinfo=UTC)
    assert feed_last_modified(organiser, b"three", start + timedelta(seconds=4)) is None
    assert feed_last_modified(organiser, b"three", start + timedelta(hours=1)) == datetime(
        2027, 1, 1, 10, 0, 4, tzinfo=UTC)


def test_the_downloads_answer_304_while_unchanged(app, event, log_in, make_contact,
                                                  make_invitation):
    token = make_invitation(event, make_contact(event.owner), send=True).token
    organiser = log_in(event.owner)
    guest = app.test_client()
    for client, path in ((organiser, f"/events/{event.id}/calendar.ics"),
                         (guest, f"/r/{token}/calendar.ics")):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["ETag"], path
        assert client.get(path).data == first.data, "no clock in the file"
        response = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert response.status_code == 304 and response.data == b"", path


# --- a CalDAV server stores the parts and finds them at the right hour ----------------------

class CalDAV:
    """A new calendar collection on the session's Radicale server (on loopback)."""

    def __init__(self, calendar: CalDAVCalendar) -> None:
        self.calendar = calendar
        self.path = calendar.path

    def request(self, method: str, path: str, body: bytes = b"", **headers):
        return self.calendar.request(method, path, body, **headers)

    def put(self, name: str, content: bytes) -> int:
        return self.calendar.put(name, content)[0]

    def found_between(self, start: datetime, end: datetime) -> set[str]:
        """The objects a calendar-query with this time range finds (RFC 4791 7.8)."""
        query = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
 <D:prop><D:getetag/></D:prop>
 <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
  <C:time-range start="{start:%Y%m%dT%H%M%SZ}" end="{end:%Y%m%dT%H%M%SZ}"/>
 </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>""".encode()
        status, content = self.request("REPORT", self.path, query, Depth="1",
                                       **{"Content-Type": "application/xml"})
        assert status == 207, content
        return {href.rsplit("/", 1)[1].removesuffix(".ics") for href in
                re.findall(r"<(?:\w+:)?href>([^<]+\.ics)</(?:\w+:)?href>", content.decode())}


@pytest.fixture
def caldav(caldav_server) -> CalDAV:
    # Radicale is in the test extra: a real CalDAV server, started on loopback.
    return CalDAV(caldav_server.new_calendar())


@pytest.mark.long
def test_a_caldav_server_stores_each_part_and_finds_it_at_its_own_hour(caldav):
    """Radicale reads the embedded VTIMEZONEs (through vobject) when it answers a time-range
    query: each part, one object per UID as RFC 4791 4.1 wants, is found in the minute it
    starts, not in the minute it ends, and reads back at the same instants."""
    parts = {
        "oslo-summer": entry_at(local_instant(OSLO, 2027, 6, 11, 16), OSLO),
        "oslo-first-0230": entry_at(datetime(2027, 10, 31, 0, 30, tzinfo=UTC), OSLO),
        "oslo-second-0230": entry_at(datetime(2027, 10, 31, 1, 30, tzinfo=UTC), OSLO),
        "oslo-over-the-change": entry_at(datetime(2027, 10, 31, 0, 15, tzinfo=UTC), OSLO,
                                         minutes=120),
        "santiago-new-years-eve": entry_at(local_instant("America/Santiago", 2027, 12, 31, 22),
                                           "America/Santiago"),
        "sydney-autumn": entry_at(local_instant("Australia/Sydney", 2028, 4, 2, 2, 30, fold=1),
                                  "Australia/Sydney"),
        "new-york-2031": entry_at(local_instant("America/New_York", 2031, 3, 9, 3, 30),
                                  "America/New_York"),
    }
    for name, entry in parts.items():
        one_part = replace(entry, uid=f"{name}@eventplanner.test")
        assert caldav.put(f"{name}.ics", build_calendar([one_part])) == 201, name
    for name, entry in parts.items():
        minute = timedelta(minutes=1)
        assert name in caldav.found_between(entry.starts_at, entry.starts_at + minute), name
        assert name not in caldav.found_between(entry.ends_at, entry.ends_at + minute), name
        status, stored = caldav.request("GET", f"{caldav.path}{name}.ics")
        [event] = vevents(Calendar.from_ical(stored))
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
            entry.starts_at, entry.ends_at), name
    assert caldav.found_between(datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
                                datetime(2027, 10, 31, 1, 1, tzinfo=UTC)) == {
        "oslo-first-0230", "oslo-over-the-change"}, "02:00-02:59 CEST holds these two only"


def test_the_feed_holds_the_events_of_every_workspace_of_the_account_and_no_other(
        app, log_in, make_organiser, make_event, make_activity):
    """An agency's organiser works for two companies: their feed shows both teams' events,
    whichever workspace they work in now, and nothing of a workspace they are not in."""
    from eventplanner.auth.models import Membership, Role

    agency, client_team, stranger = make_organiser(), make_organiser(), make_organiser()
    own = make_event(owner=agency, title="Agency summer party", status="published")
    theirs = make_event(owner=client_team, title="Client stair race", status="published")
    foreign = make_event(owner=stranger, title="Someone else's dinner", status="published")
    parts = [make_activity(event).id for event in (own, theirs, foreign)]
    with app.app_context():
        db.session.add(Membership(workspace_id=theirs.workspace_id, organiser_id=agency.id,
                                  role=Role.ORGANISER))
        db.session.commit()
    feed = Calendar.from_ical(app.test_client().get(feed_path(log_in(agency))).data)
    assert sorted(str(vevent["UID"]) for vevent in vevents(feed)) == sorted(
        f"activity-{part}@eventplanner.test" for part in parts[:2])

"""Rules for events, their parts and who may manage them: creating, editing (which tells
guests through ``events.signals``), copying to a next edition, co-organisers.

Services take model objects and plain data, add and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eventplanner.audit import services as audit
from eventplanner.auth.models import Membership, Organiser
from eventplanner.auth.services import find_organiser_by_email
from eventplanner.errors import InvalidState, NotFound
from eventplanner.events import signals
from eventplanner.events.locking import lock_answers
from eventplanner.events.models import (
    Activity,
    ActivityKind,
    Event,
    EventSeries,
    EventStatus,
)
from eventplanner.extensions import db
from eventplanner.timezones import NonexistentLocalTime, local_to_utc, wall_clock


@dataclass(frozen=True)
class EventDetails:
    """What an organiser enters about an event; the deadline is a wall-clock time."""

    title: str
    timezone: str
    description: str = ""
    status: EventStatus = EventStatus.DRAFT
    rsvp_deadline: datetime | None = None
    reminder_days_before: int | None = None
    alarm_minutes_before: int | None = None
    default_language: str = "en"
    host_name: str = ""
    host_email: str = ""
    host_phone: str = ""
    #: The series this event is an edition of ("Stoltzen"); empty for none.
    series_name: str = ""
    feedback_question: str = ""
    feedback_question_is_rating: bool = False
    feedback_request_days_after: int | None = None
    feedback_reminder_days: int | None = None


@dataclass(frozen=True)
class ActivityDetails:
    """One part of an event; start and end are wall-clock times in the event's zone."""

    name: str
    starts_at: datetime
    ends_at: datetime
    kind: ActivityKind = ActivityKind.STANDARD
    place_name: str = ""
    address: str = ""
    map_url: str = ""
    capacity: int | None = None
    notes: str = ""
    latitude: float | None = None
    longitude: float | None = None


class NoSuchOrganiser(InvalidState):
    default_message = _l("No organiser has an account with that email address.")


class AlreadyInTheTeam(InvalidState):
    default_message = _l("That person is a member of the team already: they see the event "
                         "as their role allows.")


def dashboard_sections(events: list[Event], now: datetime) -> tuple[list[Event], list[Event]]:
    """The organiser's events (``access.events_for``) split into (upcoming, past).

    Upcoming: soonest first, events without parts yet at the end. Past: latest first.
    """
    upcoming, past = [], []
    for event in events:
        (past if event.is_past(now) else upcoming).append(event)
    upcoming.sort(key=lambda e: (e.starts_at is None, e.starts_at or now, e.id))
    past.sort(key=lambda e: (e.starts_at, e.id), reverse=True)
    return upcoming, past


def create_event(owner: Organiser, details: EventDetails, *,
                 workspace_id: int | None = None) -> Event:
    """A new event of ``owner``'s current workspace (or of ``workspace_id``), created by
    them."""
    event = Event(owner=owner, workspace_id=workspace_id or owner.workspace_id)
    _apply_event_details(event, details)
    db.session.add(event)
    db.session.flush()
    audit.record(event.workspace_id, owner, "event.created", event_id=event.id,
                 details={"title": event.title})
    return event


def calendar_facts(activity: Activity) -> dict:
    """What a calendar shows of a part: a change here is worth an update."""
    return {"starts_at": activity.starts_at, "ends_at": activity.ends_at,
            "location": activity.location,
            "geo": (activity.latitude, activity.longitude)}


def change_event(event: Event, details: EventDetails, now: datetime, *,
                 by: Organiser | None = None) -> Event:
    """Edit an event: the one way to, so guests always hear what concerns them.

    Cancelling it sends every invited guest (but those who said no to everything) a
    cancellation, and publishing it again after that sends them the event back (SEQUENCE
    one higher than the cancellation). If its time zone changes, its parts keep their
    wall-clock times (an organiser who corrects the zone means "16:00 where the event is",
    not "the same instant"), and the guests of each part that moved get its update. The
    audit trail keeps what changed (old -> new) and who (``by``)."""
    lock_answers(event)
    details_before = asdict(event_details_of(event))
    before = {activity.id: calendar_facts(activity) for activity in event.activities}
    was_cancelled = event.status is EventStatus.CANCELLED
    if details.timezone != event.timezone:
        old_zone = event.timezone
        for activity in event.activities:
            activity.starts_at = _to_utc(wall_clock(activity.starts_at, old_zone),
                                         details.timezone)
            activity.ends_at = _to_utc(wall_clock(activity.ends_at, old_zone), details.timezone)
    _apply_event_details(event, details)
    db.session.flush()
    app = current_app._get_current_object()
    if event.status is EventStatus.CANCELLED and not was_cancelled:
        _next_sequence(event, event.activities)
        signals.event_cancelled.send(app, event=event, now=now)
    elif event.status is EventStatus.PUBLISHED and was_cancelled:
        _next_sequence(event, event.activities)
        signals.event_reinstated.send(app, event=event, now=now)
    else:
        for activity in event.activities:
            if calendar_facts(activity) != before[activity.id]:
                _next_sequence(event, [activity])
                signals.part_moved.send(app, activity=activity, before=before[activity.id],
                                        now=now)
    db.session.flush()
    changed = audit.changes(details_before, asdict(event_details_of(event)))
    if changed:
        audit.record(event.workspace_id, by, "event.changed", event_id=event.id,
                     details=changed)
        change = ("cancelled" if event.status is EventStatus.CANCELLED and not was_cancelled
                  else "reinstated" if was_cancelled and event.status is not
                  EventStatus.CANCELLED else "changed")
        signals.event_changed.send(app, event=event, change=change, activity=None,
                                   fields=sorted(changed))
    return event


def _next_sequence(event: Event, activities) -> None:
    """Parts' calendar entries changed: the next file about each carries a higher SEQUENCE,
    and so does the next one about the whole event (the entry that stands for all its
    parts), which changes with any of them."""
    for activity in activities:
        activity.sequence += 1
    _next_event_sequence(event)


def _next_event_sequence(event: Event) -> None:
    """The whole event's calendar entry changed (a part of it did, or its parts did): one
    higher in the database, whatever this session read (another request may have added
    a part since), and read back at once for the messages about it."""
    event.calendar_sequence = Event.calendar_sequence + 1
    db.session.flush()


def _trimmed(value):
    """Free text without surrounding spaces; enums (which are strings too) as they are."""
    if isinstance(value, str) and not isinstance(value, Enum):
        return value.strip()
    return value


def _to_utc(wall_clock_time: datetime, zone_name: str) -> datetime:
    """``local_to_utc`` that refuses a skipped wall-clock time with a domain error."""
    try:
        return local_to_utc(wall_clock_time, zone_name)
    except NonexistentLocalTime:
        raise InvalidState(_l(
            "%(time)s does not exist in %(zone)s: the clocks skip that hour. "
            "Choose another time.", time=wall_clock_time.strftime("%Y-%m-%d %H:%M"),
            zone=zone_name)) from None


def _apply_event_details(event: Event, details: EventDetails) -> None:
    values = asdict(details)
    deadline = values.pop("rsvp_deadline")
    series_name = values.pop("series_name")
    for name, value in values.items():
        setattr(event, name, _trimmed(value))
    event.rsvp_deadline = _to_utc(deadline, details.timezone) if deadline else None
    event.series = series_named(event.workspace_id, series_name)


def series_named(workspace_id: int, name: str) -> EventSeries | None:
    """The workspace's series of that name, made on first use; None for an empty name."""
    name = " ".join((name or "").split())[:120]
    if not name:
        return None
    series = db.session.scalar(select(EventSeries).where(
        EventSeries.workspace_id == workspace_id, func.lower(EventSeries.name) == name.lower()))
    if series is None:
        series = EventSeries(workspace_id=workspace_id, name=name)
        db.session.add(series)
    return series


def series_of(organiser: Organiser) -> list[EventSeries]:
    return list(db.session.scalars(select(EventSeries).where(
        EventSeries.workspace_id == organiser.workspace_id).order_by(EventSeries.name)))


def event_details_of(event: Event) -> EventDetails:
    """The event as an organiser would enter it (wall-clock deadline), to prefill a form."""
    return EventDetails(
        title=event.title,
        timezone=event.timezone,
        description=event.description,
        status=event.status,
        rsvp_deadline=wall_clock(event.rsvp_deadline, event.timezone)
        if event.rsvp_deadline else None,
        reminder_days_before=event.reminder_days_before,
        alarm_minutes_before=event.alarm_minutes_before,
        default_language=event.default_language,
        host_name=event.host_name,
        host_email=event.host_email,
        host_phone=event.host_phone,
        series_name=event.series.name if event.series else "",
        feedback_question=event.feedback_question,
        feedback_question_is_rating=event.feedback_question_is_rating,
        feedback_request_days_after=event.feedback_request_days_after,
        feedback_reminder_days=event.feedback_reminder_days,
    )


def add_activity(event: Event, details: ActivityDetails, *,
                 by: Organiser | None = None) -> Activity:
    _check_activity_details(details, event.timezone)
    activity = Activity(event=event)
    _apply_activity_details(activity, event.timezone, details)
    db.session.add(activity)
    event.touch()
    _next_event_sequence(event)  # the whole event's entry spans one more part
    audit.record(event.workspace_id, by, "part.added", event_id=event.id,
                 details={"part": activity.name, "capacity": activity.capacity})
    signals.event_changed.send(current_app._get_current_object(), event=event,
                               change="part_added", activity=activity, fields=[])
    return activity


@dataclass
class PartChange:
    """A saved part, and the guests its new capacity took from the waitlist (emailed)."""

    activity: Activity
    promoted: list = field(default_factory=list)


def change_part(activity: Activity, details: ActivityDetails, now: datetime, *,
                by: Organiser | None = None) -> PartChange:
    """Edit a part: the one way to. Its capacity cannot go below the places already
    confirmed; places that a higher capacity frees go to the waitlist; its guests hear if it
    moved. Decided under the event's answer lock, with the confirmed places as they are then."""
    lock_answers(activity.event)
    app = current_app._get_current_object()
    signals.part_changing.send(app, activity=activity, details=details)
    details_before = asdict(activity_details_of(activity))
    before = calendar_facts(activity)
    _check_activity_details(details, activity.event.timezone)
    _apply_activity_details(activity, activity.event.timezone, details)
    activity.event.touch()
    db.session.flush()
    if calendar_facts(activity) != before:
        _next_sequence(activity.event, [activity])
        signals.part_moved.send(app, activity=activity, before=before, now=now)
    promoted = [guest for _receiver, guests in
                signals.part_changed.send(app, activity=activity, now=now)
                for guest in guests or ()]
    changed = audit.changes(details_before, asdict(activity_details_of(activity)))
    if changed:
        audit.record(activity.event.workspace_id, by, "part.changed",
                     event_id=activity.event_id,
                     details={"part": activity.name, **changed,
                              "promoted from the waitlist": len(promoted)})
        signals.event_changed.send(app, event=activity.event, change="part_changed",
                                   activity=activity, fields=sorted(changed))
    return PartChange(activity, promoted)


def _check_activity_details(details: ActivityDetails, zone_name: str) -> None:
    """The times exist, and the end comes after the start in time, not only on the clock
    (02:15 after the clocks go back comes after 02:45 before)."""
    if _to_utc(details.ends_at, zone_name) <= _to_utc(details.starts_at, zone_name):
        raise InvalidState(_l("A part must end after it starts."))
    if details.capacity is not None and details.capacity < 1:
        raise InvalidState(_l("Capacity must be at least 1, or left empty for no limit."))


def _apply_activity_details(activity: Activity, zone_name: str, details: ActivityDetails) -> None:
    values = asdict(details)
    starts_at, ends_at = values.pop("starts_at"), values.pop("ends_at")
    for name, value in values.items():
        setattr(activity, name, _trimmed(value))
    activity.starts_at = _to_utc(starts_at, zone_name)
    activity.ends_at = _to_utc(ends_at, zone_name)


def activity_details_of(activity: Activity) -> ActivityDetails:
    zone_name = activity.event.timezone
    return ActivityDetails(
        name=activity.name,
        kind=activity.kind,
        starts_at=wall_clock(activity.starts_at, zone_name),
        ends_at=wall_clock(activity.ends_at, zone_name),
        place_name=activity.place_name,
        address=activity.address,
        map_url=activity.map_url,
        capacity=activity.capacity,
        notes=activity.notes,
        latitude=activity.latitude,
        longitude=activity.longitude,
    )


def remove_part(activity: Activity, now: datetime, *, by: Organiser | None = None) -> None:
    """Remove a part: the one way to. Its guests get a cancellation for their calendars,
    and each guest's history keeps what they had answered."""
    lock_answers(activity.event)
    audit.record(activity.event.workspace_id, by, "part.removed", event_id=activity.event_id,
                 details={"part": activity.name})
    _next_sequence(activity.event, [activity])
    app = current_app._get_current_object()
    signals.part_removing.send(app, activity=activity, now=now)
    signals.event_changed.send(app, event=activity.event, change="part_removed",
                               activity=activity, fields=[])
    db.session.flush()
    activity.event.touch()
    activity.event.activities.remove(activity)
    db.session.flush()


def add_co_organiser(event: Event, by: Organiser, email: str) -> Organiser:
    """Share the event with the account that has this email, as an outside person: they
    may read and organise this event and see nothing else of the workspace. Adding twice
    changes nothing; a member of the workspace needs no sharing (``AlreadyInTheTeam``)."""
    organiser = find_organiser_by_email(email)
    if organiser is None:
        raise NoSuchOrganiser()
    if db.session.scalar(select(Membership.id).where(
            Membership.workspace_id == event.workspace_id,
            Membership.organiser_id == organiser.id)) is not None:
        raise AlreadyInTheTeam()
    if organiser not in event.co_organisers:
        event.co_organisers.append(organiser)
        db.session.flush()
        audit.record(event.workspace_id, by, "event.shared", event_id=event.id,
                     member_id=organiser.id, details={"with": organiser.email})
    return organiser


def remove_co_organiser(event: Event, by: Organiser, organiser_id: int) -> None:
    """Stop sharing the event with an outside person; ``NotFound`` if it is not shared
    with them."""
    for organiser in event.co_organisers:
        if organiser.id == organiser_id:
            event.co_organisers.remove(organiser)
            db.session.flush()
            audit.record(event.workspace_id, by, "event.unshared", event_id=event.id,
                         member_id=organiser.id, details={"with": organiser.email})
            return
    raise NotFound()


def same_weekday_a_year_on(day: date) -> date:
    """The day nearest ``day``'s anniversary that falls on the same weekday, so a Friday
    race stays on a Friday: 52 weeks on (a year is 52 weeks and one or two days)."""
    return day + timedelta(weeks=52)


def next_edition_day(event: Event) -> date | None:
    """The day proposed for the next edition's first part; None while there are no parts."""
    if event.starts_at is None:
        return None
    return same_weekday_a_year_on(wall_clock(event.starts_at, event.timezone).date())


def copy_to_next_edition(event: Event, title: str, first_day: date) -> Event:
    """A draft of the next edition: same details and series, parts moved so the first one
    falls on ``first_day`` at the same wall-clock times. Without a series, the two events
    start one named after the event."""
    zone_name = event.timezone
    if not event.activities:
        raise InvalidState(_l("Add the parts before copying the event."))
    first_start = wall_clock(event.activities[0].starts_at, zone_name)
    shift = datetime.combine(first_day, first_start.time()) - first_start
    if event.series is None:
        event.series = series_named(event.workspace_id, event.title)
    details = event_details_of(event)
    copy = create_event(event.owner, EventDetails(**{
        **asdict(details), "title": title, "status": EventStatus.DRAFT,
        "rsvp_deadline": details.rsvp_deadline + shift if details.rsvp_deadline else None,
        "series_name": event.series.name}), workspace_id=event.workspace_id)
    for activity in event.activities:
        part = activity_details_of(activity)
        add_activity(copy, ActivityDetails(**{
            **asdict(part), "starts_at": part.starts_at + shift,
            "ends_at": part.ends_at + shift}))
    copy.co_organisers = list(event.co_organisers)
    db.session.flush()
    return copy

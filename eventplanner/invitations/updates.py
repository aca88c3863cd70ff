"""Changes that guests must hear about: a part moves, a part is removed, the event is
cancelled or takes place after all. Each sends the calendar update (same UID, SEQUENCE one
higher) or cancellation, and an email that says what changed, through the outbox in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from eventplanner.calendar.ics import Method
from eventplanner.errors import InvalidState
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.events.services import (
    ActivityDetails,
    EventDetails,
    remove_activity,
    update_activity,
    update_event,
)
from eventplanner.extensions import db
from eventplanner.invitations.answers import lock_answers
from eventplanner.invitations.changes import note_change
from eventplanner.invitations.inviting import queue_guest_email
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.invitations.reminders import said_no_to_everything
from eventplanner.invitations.waitlist import confirmed_places, promote_from_waitlist

#: Who hears about a changed or removed part: everyone who may come to it.
COMING = (AnswerStatus.YES, AnswerStatus.MAYBE, AnswerStatus.WAITLISTED)


def answers_count(activity: Activity) -> int:
    """How many guests answered for this part (any answer)."""
    return int(db.session.scalar(select(func.count()).select_from(Response).where(
        Response.activity_id == activity.id)))


def calendar_facts(activity: Activity) -> dict:
    """What a calendar shows of a part: a change here is worth an update."""
    return {"starts_at": activity.starts_at, "ends_at": activity.ends_at,
            "location": activity.location,
            "geo": (activity.latitude, activity.longitude)}


def _guests_coming_to(activity: Activity) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).join(Response, Response.invitation_id == Invitation.id)
        .where(Response.activity_id == activity.id, Response.status.in_(COMING),
               Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact))).unique())


def _tell_guests_part_moved(activity: Activity, before: dict) -> int:
    guests = _guests_coming_to(activity)
    for invitation in guests:
        queue_guest_email(invitation, "part_changed",
                           _l("Changed: %(part)s", part=activity.name),
                           calendar=[activity], activity=activity, before=before)
    return len(guests)


@dataclass
class PartChange:
    """A saved part, and the guests its new capacity took from the waitlist (emailed)."""

    activity: Activity
    promoted: list[Invitation] = field(default_factory=list)


def change_part(activity: Activity, details: ActivityDetails, now: datetime) -> PartChange:
    """Edit a part. Its capacity cannot go below the places already confirmed; places that
    a larger capacity opens go to the waitlist at once; a new time or place goes to every
    guest who may come, as a calendar update. A typo fixed in the notes does not.

    Decided under the event's answer lock, with the confirmed places as they are then."""
    lock_answers(activity.event)
    taken = confirmed_places(activity.id)
    if details.capacity is not None and details.capacity < taken:
        raise InvalidState(_l(
            "%(taken)d places are already confirmed: the capacity cannot be lower.",
            taken=taken))
    before = calendar_facts(activity)
    update_activity(activity, details)
    if calendar_facts(activity) != before:
        activity.sequence += 1
        _tell_guests_part_moved(activity, before)
    return PartChange(activity, promote_from_waitlist(activity, now))


def remove_part(activity: Activity, now: datetime) -> None:
    """Remove a part: its guests get a cancellation for their calendars, and each guest's
    history keeps what they had answered."""
    lock_answers(activity.event)
    activity.sequence += 1
    for invitation in _guests_coming_to(activity):
        queue_guest_email(invitation, "part_cancelled",
                           _l("Cancelled: %(part)s", part=activity.name),
                           calendar=[activity], calendar_method=Method.CANCEL,
                           activity=activity)
    answers = db.session.scalars(select(Response).where(Response.activity_id == activity.id)
                                 .options(joinedload(Response.invitation))).all()
    for response in answers:
        note_change(response.invitation, "part_removed", response.status, None,
                     "organiser", now, activity)
    db.session.flush()
    remove_activity(activity)


def change_event(event: Event, details: EventDetails, now: datetime) -> Event:
    """Edit an event. Cancelling it sends every invited guest (but those who said no to
    everything) a cancellation, and publishing it again after that sends them the event
    back (SEQUENCE one higher than the cancellation); a new time zone that moves parts sends
    their updates."""
    lock_answers(event)
    before = {activity.id: calendar_facts(activity) for activity in event.activities}
    was_cancelled = event.status is EventStatus.CANCELLED
    update_event(event, details)
    if event.status is EventStatus.CANCELLED and not was_cancelled:
        _tell_guests_about_event(event, "event_cancelled",
                                 _l("Cancelled: %(title)s", title=event.title), Method.CANCEL)
        return event
    if event.status is EventStatus.PUBLISHED and was_cancelled:
        _tell_guests_about_event(event, "event_reinstated",
                                 _l("On again: %(title)s", title=event.title), Method.REQUEST)
        return event
    for activity in event.activities:
        if calendar_facts(activity) != before[activity.id]:
            activity.sequence += 1
            _tell_guests_part_moved(activity, before[activity.id])
    return event


def _tell_guests_about_event(event: Event, kind: str, subject, method: Method) -> None:
    """Every part's calendar entry, one SEQUENCE higher, to each guest who was sent the
    invitation (but those who said no to everything)."""
    for activity in event.activities:
        activity.sequence += 1
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.sent_at.is_not(None),
                                 Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact))).unique()
    for invitation in invitations:
        if said_no_to_everything(invitation):
            continue
        queue_guest_email(invitation, kind, subject, calendar=event.activities,
                           calendar_method=method)
    db.session.flush()

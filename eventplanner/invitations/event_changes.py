"""What guests hear when their event changes: a part moves, a part is removed, the event is
cancelled or takes place after all. Each sends the calendar update (same UID, SEQUENCE one
higher) or cancellation, and an email that says what changed, through the outbox in the same
transaction. And the answers a change must respect: a part's capacity cannot go below the
places already confirmed, and places it frees go to the waitlist.

The edits themselves are ``events.services`` (``change_event``, ``change_part``,
``remove_part``); they announce through ``events.signals``, received here once
``connect_event_changes`` has run for the app (in ``create_app``).
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.calendar.ics import Method
from eventplanner.errors import InvalidState
from eventplanner.events import signals
from eventplanner.events.models import Activity, Event
from eventplanner.events.services import ActivityDetails
from eventplanner.extensions import db
from eventplanner.invitations.changes import note_change
from eventplanner.invitations.guest_calendar import CalendarMessage, entries_held
from eventplanner.invitations.inviting import queue_calendar_entries, queue_guest_email
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.invitations.reminders import said_no_to_everything
from eventplanner.invitations.waitlist import confirmed_places, promote_from_waitlist

#: Who hears about a changed or removed part: everyone who may come to it.
COMING = (AnswerStatus.YES, AnswerStatus.MAYBE, AnswerStatus.WAITLISTED)


def connect_event_changes(app: Flask) -> None:
    """Act on ``app``'s event edits (see ``events.signals``)."""
    signals.part_changing.connect(refuse_capacity_below_confirmed, sender=app)
    signals.part_moved.connect(tell_guests_part_moved, sender=app)
    signals.part_changed.connect(give_freed_places, sender=app)
    signals.part_removing.connect(tell_guests_part_removed, sender=app)
    signals.event_cancelled.connect(tell_guests_event_cancelled, sender=app)
    signals.event_reinstated.connect(tell_guests_event_reinstated, sender=app)


def answers_count(activity: Activity) -> int:
    """How many guests answered for this part (any answer)."""
    return int(db.session.scalar(select(func.count()).select_from(Response).where(
        Response.activity_id == activity.id)))


def _guests_coming_to(activity: Activity) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).join(Response, Response.invitation_id == Invitation.id)
        .where(Response.activity_id == activity.id, Response.status.in_(COMING),
               Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact))).unique())


def refuse_capacity_below_confirmed(_app, *, activity: Activity,
                                    details: ActivityDetails) -> None:
    taken = confirmed_places(activity.id)
    if details.capacity is not None and details.capacity < taken:
        raise InvalidState(_l(
            "%(taken)d places are already confirmed: the capacity cannot be lower.",
            taken=taken))


def tell_guests_part_moved(_app, *, activity: Activity, before: dict, now: datetime) -> None:
    for invitation in _guests_coming_to(activity):
        queue_guest_email(invitation, "part_changed",
                           _l("Changed: %(part)s", part=activity.name),
                           calendar=CalendarMessage(Method.REQUEST, activity),
                           activity=activity, before=before)


def give_freed_places(_app, *, activity: Activity, now: datetime) -> list[Invitation]:
    return promote_from_waitlist(activity, now)


def tell_guests_part_removed(_app, *, activity: Activity, now: datetime) -> None:
    for invitation in _guests_coming_to(activity):
        queue_guest_email(invitation, "part_cancelled",
                           _l("Cancelled: %(part)s", part=activity.name),
                           calendar=CalendarMessage(Method.CANCEL, activity),
                           activity=activity)
    answers = db.session.scalars(select(Response).where(Response.activity_id == activity.id)
                                 .options(joinedload(Response.invitation))).all()
    for response in answers:
        note_change(response.invitation, "part_removed", response.status, None,
                     "organiser", now, activity)


def tell_guests_event_cancelled(_app, *, event: Event, now: datetime) -> None:
    _tell_guests_about_event(event, "event_cancelled",
                             _l("Cancelled: %(title)s", title=event.title), Method.CANCEL)


def tell_guests_event_reinstated(_app, *, event: Event, now: datetime) -> None:
    _tell_guests_about_event(event, "event_reinstated",
                             _l("On again: %(title)s", title=event.title), Method.REQUEST)


def _tell_guests_about_event(event: Event, kind: str, subject, method: Method) -> None:
    """To each guest who was sent the invitation (but those who said no to everything), a
    message about each entry their calendar holds for the event (``entries_held``): the
    email carries the first, a short email of its own each other one."""
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.sent_at.is_not(None),
                                 Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact), selectinload(Invitation.responses))).unique()
    for invitation in invitations:
        if said_no_to_everything(invitation):
            continue
        calendar = entries_held(invitation, method)
        queue_guest_email(invitation, kind, subject,
                           calendar=calendar[0] if calendar else None)
        queue_calendar_entries(invitation, calendar[1:])
    db.session.flush()

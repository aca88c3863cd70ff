"""Reminders to guests who have not answered: on demand, and scheduled N days before the
deadline (``flask mail send-due``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, subqueryload

from eventplanner.errors import InvalidState
from eventplanner.events.models import Event, EventStatus
from eventplanner.extensions import db
from eventplanner.invitations.answers import refuse_unless_open_for_answers
from eventplanner.invitations.guest_mail import GuestMailBatch
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
)


def said_no_to_everything(invitation: Invitation) -> bool:
    return bool(invitation.responses) and all(
        r.status is AnswerStatus.NO for r in invitation.responses)


def send_reminders(event: Event, now: datetime,
                   invitation_ids: list[int] | None = None) -> int:
    """Remind guests: by default everyone who has not answered; or the ones ticked.

    Never a guest who said no, nor a revoked or never-sent invitation. Returns how many.
    """
    if event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Only a published event can send reminders."))
    refuse_unless_open_for_answers(event, now)  # a reminder asks for an answer
    query = select(Invitation).where(
        Invitation.event_id == event.id, Invitation.revoked_at.is_(None),
        Invitation.sent_at.is_not(None),
    ).options(joinedload(Invitation.contact), subqueryload(Invitation.responses))
    if invitation_ids is None:
        query = query.where(Invitation.answered_at.is_(None))
    else:
        query = query.where(Invitation.id.in_(invitation_ids))
    batch = GuestMailBatch(event, "reminder", _l("Reminder: %(title)s", title=event.title))
    for invitation in db.session.scalars(query).unique():
        if said_no_to_everything(invitation):
            continue
        batch.add(invitation)
        invitation.last_reminded_at = now
    db.session.flush()
    return batch.write()


def reminder_due_at(event: Event) -> datetime | None:
    """When the scheduled reminder goes out: N days before the deadline (moves with it)."""
    if event.reminder_days_before is None or event.rsvp_deadline is None:
        return None
    return event.rsvp_deadline - timedelta(days=event.reminder_days_before)


def next_reminder_at(event: Event, now: datetime) -> datetime | None:
    """When the scheduled reminder will go out, if it is still to come."""
    due_at = reminder_due_at(event)
    if due_at is None or due_at <= now or not event.accepts_answers(now):
        return None
    return due_at


def send_due_reminders(now: datetime) -> int:
    """For ``flask mail send-due``: the scheduled reminders whose time has come.

    A guest reminded before the reminder's due time (for example before the deadline
    moved) is reminded again; one reminded after it is not.
    """
    events = db.session.scalars(select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.reminder_days_before.is_not(None),
        Event.rsvp_deadline.is_not(None), Event.rsvp_deadline > now)).all()
    count = 0
    for event in events:
        due_at = reminder_due_at(event)
        if due_at is None or due_at > now:
            continue
        ids = list(db.session.scalars(select(Invitation.id).where(
            Invitation.event_id == event.id, Invitation.answered_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.sent_at.is_not(None),
            (Invitation.last_reminded_at.is_(None)) | (Invitation.last_reminded_at < due_at))))
        if ids:
            count += send_reminders(event, now, ids)
    return count

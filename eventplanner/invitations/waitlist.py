"""Places and the waitlist: confirmed places, places in line, promotions when places are freed
(by an answer, a deleted contact), and leaving the lines before an erasure.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from eventplanner.calendar.ics import Method
from eventplanner.contacts.models import Contact
from eventplanner.contacts.services import delete_contact
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Activity
from eventplanner.extensions import db
from eventplanner.invitations.changes import note_change
from eventplanner.invitations.guest_calendar import CalendarMessage
from eventplanner.invitations.inviting import queue_guest_email
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
    Response,
)
from eventplanner.invitations.signals import (
    announce,
    announce_places_changed,
    waitlist_promoted,
)


def confirmed_places(activity_id: int, excluding_invitation_id: int | None = None) -> int:
    """Places taken at a part by confirmed guests and their plus-ones."""
    query = select(func.coalesce(func.sum(Response.places), 0)).where(
        Response.activity_id == activity_id, Response.status == AnswerStatus.YES)
    if excluding_invitation_id is not None:
        query = query.where(Response.invitation_id != excluding_invitation_id)
    return int(db.session.scalar(query))


def confirmed_places_at(activity_ids: list[int], excluding_invitation_id: int) -> dict[int, int]:
    """Part id -> places taken there by confirmed guests other than this invitation, for
    several parts in one statement (a part nobody holds a place at is left out)."""
    if not activity_ids:
        return {}
    return dict(db.session.execute(_PLACES_TAKEN_BY_OTHERS, {
        "activity_ids": sorted(activity_ids), "invitation_id": excluding_invitation_id}).all())


#: Built once (every answer with a yes to a part with a capacity reads it).
_PLACES_TAKEN_BY_OTHERS = (
    select(Response.activity_id, func.sum(Response.places))
    .where(Response.activity_id.in_(bindparam("activity_ids", expanding=True)),
           Response.status == AnswerStatus.YES,
           Response.invitation_id != bindparam("invitation_id"))
    .group_by(Response.activity_id))


def waitlist_position(response: Response) -> int:
    """1 for the first in line at the part, and so on."""
    ahead = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.activity_id == response.activity_id,
        Response.status == AnswerStatus.WAITLISTED,
        (Response.waitlisted_at < response.waitlisted_at)
        | ((Response.waitlisted_at == response.waitlisted_at) & (Response.id < response.id)),
    ))
    return int(ahead) + 1


def promote_from_waitlist(activity: Activity, now: datetime) -> list[Invitation]:
    """Confirm waitlisted guests, first in line first, while their party fits."""
    waiting = _waitlist(activity)
    if not waiting:
        return []
    if activity.capacity is not None:
        free = activity.capacity - confirmed_places(activity.id)
        if free <= 0:
            return []
    promoted = []
    for response in waiting:
        if activity.capacity is not None:
            if response.places > free:
                continue
            free -= response.places
        response.status, response.waitlisted_at, response.updated_at = (
            AnswerStatus.YES, None, now)
        response.invitation.updated_at = now
        note_change(response.invitation, "answer", AnswerStatus.WAITLISTED, AnswerStatus.YES,
                     "waitlist", now, activity)
        queue_guest_email(response.invitation, "waitlist_promoted",
                           _l("A place for you: %(part)s", part=activity.name),
                           calendar=CalendarMessage(Method.REQUEST, activity),
                           activity=activity)
        promoted.append(response.invitation)
    db.session.flush()
    announce_places_changed([invitation.id for invitation in promoted], "waitlist")
    if promoted:
        announce(waitlist_promoted, activity=activity, invitations=promoted)
    return promoted


def promotions_message(count: int) -> str:
    """For the organiser, after a change that gave places to guests in line."""
    return str(lazy_ngettext("%(num)d guest moved from the waitlist and was emailed.",
                             "%(num)d guests moved from the waitlist and were emailed.",
                             count))


def _waitlist(activity: Activity) -> list[Response]:
    return list(db.session.scalars(_WAITING, {"activity_id": activity.id}))


#: Built once (every answer that frees a place reads it): first in line first.
_WAITING = (select(Response).where(Response.activity_id == bindparam("activity_id"),
                                   Response.status == AnswerStatus.WAITLISTED)
            .options(joinedload(Response.invitation).joinedload(Invitation.contact))
            .order_by(Response.waitlisted_at, Response.id)
            .execution_options(populate_existing=True))


def _lock_events_of_contact(contact: Contact) -> None:
    lock_events(db.session.scalars(
        select(Invitation.event_id).where(Invitation.contact_id == contact.id)))


def delete_contact_and_free_places(contact: Contact, now: datetime) -> list[Invitation]:
    """Delete a contact with their invitations and answers. The places they held go to the
    first in line at each part (emailed), under the events' answer lock. Returns those
    promoted."""
    _lock_events_of_contact(contact)
    held = db.session.scalars(
        select(Activity).join(Response, Response.activity_id == Activity.id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Invitation.contact_id == contact.id, Response.status == AnswerStatus.YES)
        .order_by(Activity.id)).unique().all()
    delete_contact(contact)
    return [invitation for activity in held
            for invitation in promote_from_waitlist(activity, now)]


def withdraw_from_waitlists(contact: Contact, now: datetime) -> None:
    """Before a contact is erased: they give up their places in line (they could not be told
    of a place any more); a confirmed place stays, as an anonymous answer."""
    _lock_events_of_contact(contact)
    waiting = db.session.scalars(
        select(Response).join(Invitation, Invitation.id == Response.invitation_id)
        .where(Invitation.contact_id == contact.id,
               Response.status == AnswerStatus.WAITLISTED)
        .options(joinedload(Response.invitation), joinedload(Response.activity))
        .execution_options(populate_existing=True)).unique().all()
    for response in waiting:
        note_change(response.invitation, "answer", AnswerStatus.WAITLISTED, AnswerStatus.NO,
                     "erasure", now, response.activity)
        response.status, response.waitlisted_at, response.updated_at = (
            AnswerStatus.NO, None, now)
    db.session.flush()

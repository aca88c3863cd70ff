"""Inviting contacts, guests' answers under capacity with a waitlist, links and reminders.

Services add and flush; the caller commits once. Every email is queued in the outbox in
the same transaction as the change that causes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload, subqueryload

from eventplanner.auth.models import Organiser
from eventplanner.calendar.ics import Method
from eventplanner.calendar.services import batch_request_template, guest_request
from eventplanner.contacts.models import Contact
from eventplanner.contacts.services import contact_ids_with_tag, delete_contact
from eventplanner.errors import DeadlinePassed, DomainError, Full, InvalidState, NotFound
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.extensions import db
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
    Response,
    ResponseChange,
)
from eventplanner.invitations.tokens import (
    looks_like_token,
    make_token,
    new_nonce,
    token_digest,
    token_key,
)
from eventplanner.locking import lock_events
from eventplanner.mail.outbox import EventFragments, MailMerge, queue_email
from eventplanner.urls import absolute_url

MAX_PLUS_ONES = 20


class LinkNotValid(NotFound):
    default_message = _l("This link is no longer valid. Ask the host for a new one.")


class UnknownPart(DomainError):
    status_code = 400
    default_message = _l("That part is not in this event.")


class TooManyPlusOnes(DomainError):
    status_code = 422


class EventCancelled(InvalidState):
    default_message = _l("This event has been cancelled.")


class NotOpenYet(InvalidState):
    default_message = _l("This event is not open for answers yet. You will hear from the "
                         "host when it is.")


@dataclass(frozen=True)
class GuestAnswer:
    """What a guest submits: an answer per part (yes, no, maybe) and the rest of the form."""

    answers: dict[int, AnswerStatus]
    plus_one_names: tuple[str, ...] = ()
    dietary_needs: str = ""
    message_to_host: str = ""


@dataclass
class InviteReport:
    invited: list[Invitation] = field(default_factory=list)
    already_invited: int = 0


# --- links -------------------------------------------------------------------------------

def invitation_token(invitation: Invitation) -> str:
    return make_token("invitation", invitation.id, invitation.token_nonce)


def invitation_link(invitation: Invitation) -> str:
    """The guest's personal link, absolute, for emails and for the organiser to copy."""
    return absolute_url("rsvp.guest_page", token=invitation_token(invitation))


def _give_new_link(invitation: Invitation) -> None:
    invitation.token_nonce = new_nonce()
    invitation.token_digest = token_digest(invitation_token(invitation))


def find_invitation_by_token(token: str) -> Invitation:
    """The invitation behind a personal link; ``LinkNotValid`` for a wrong or revoked one."""
    if not looks_like_token(token):
        raise LinkNotValid()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_digest == token_digest(token))
        .options(
            joinedload(Invitation.event).selectinload(Event.activities),
            joinedload(Invitation.contact),
            selectinload(Invitation.responses),
        )
    )
    if invitation is None or invitation.is_revoked:
        raise LinkNotValid()
    return invitation


class UnknownLanguage(DomainError):
    status_code = 422
    default_message = _l("Choose one of the languages in the list.")


def choose_guest_language(invitation: Invitation, language: str, now: datetime) -> None:
    """The guest's own choice of language, for their pages and the emails that follow."""
    from flask import current_app

    if language not in current_app.config["LANGUAGES"]:
        raise UnknownLanguage()
    if invitation.language != language:
        invitation.language = language
        invitation.updated_at = now
    db.session.flush()


def revoke_link(invitation: Invitation, now: datetime) -> None:
    """The link stops working at once; the guest stays invited and keeps their answers.
    An answer sent through it at the same moment either lands first or is refused."""
    lock_events([invitation.event_id])
    invitation.revoked_at = now
    db.session.flush()


def _refuse_if_erased(invitation: Invitation) -> None:
    if invitation.anonymised_at is not None:
        raise InvalidState(_l("This guest's personal data was erased: they get no new link."))


def reissue_link(invitation: Invitation) -> str:
    """A new link replaces the old one, which stops working. Returns the new link.
    An answer sent through the old link at the same moment either lands first or is
    refused."""
    lock_events([invitation.event_id])
    _refuse_if_erased(invitation)
    _give_new_link(invitation)
    invitation.revoked_at = None
    db.session.flush()
    return invitation_link(invitation)


def record_opened(invitation_id: int, now: datetime) -> None:
    """Note when the guest first opened their link. The page itself does not change."""
    db.session.execute(
        update(Invitation).where(Invitation.id == invitation_id, Invitation.opened_at.is_(None))
        .values(opened_at=now, updated_at=Invitation.updated_at)
        .execution_options(synchronize_session=False))


def guest_form_secret(invitation: Invitation) -> str:
    """The CSRF token of this guest's forms: bound to their link, so no cookie is needed."""
    return make_token("guest-form", invitation.id, invitation.token_nonce)


# --- inviting ----------------------------------------------------------------------------

def invitations_of(event: Event) -> list[Invitation]:
    """All the event's invitations with contact, company and answers loaded, by name.

    Three queries whatever the number (``subqueryload`` does not split into chunks).
    """
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id)
        .join(Invitation.contact)
        .options(
            contains_eager(Invitation.contact).joinedload(Contact.company),
            subqueryload(Invitation.responses),
        )
        .order_by(func.lower(Contact.name), Invitation.id)
    ).unique())


def get_invitation_of(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.event_id == event.id))
    if invitation is None:
        raise NotFound()
    return invitation


def invited_contact_ids(event: Event) -> set[int]:
    return set(db.session.scalars(
        select(Invitation.contact_id).where(Invitation.event_id == event.id)))


def choose_contacts(organiser: Organiser, contact_ids: list[int], company_id: int | None,
                    tag: str) -> list[int]:
    """The organiser's contacts picked one by one, plus a whole company, plus a tag."""
    chosen = set(contact_ids or [])
    if company_id:
        chosen |= set(db.session.scalars(select(Contact.id).where(
            Contact.organiser_id == organiser.id, Contact.company_id == company_id)))
    if tag:
        chosen |= set(contact_ids_with_tag(organiser, tag))
    return sorted(chosen)


def invite_contacts(event: Event, organiser: Organiser, contact_ids: list[int],
                    plus_ones_allowed: int, *, send: bool, now: datetime) -> InviteReport:
    """Invite the organiser's contacts; someone invited already is left as they are.

    With ``send`` the invitation emails are queued now, which needs a published event.
    """
    if event.is_cancelled:
        raise EventCancelled()
    if send and event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations, or invite "
                              "without sending."))
    if not 0 <= plus_ones_allowed <= MAX_PLUS_ONES:
        raise InvalidState(_l("Plus-ones must be between 0 and %(max)d.", max=MAX_PLUS_ONES))
    wanted = set(contact_ids)
    already = set(db.session.scalars(select(Invitation.contact_id).where(
        Invitation.event_id == event.id, Invitation.contact_id.in_(wanted))))
    contacts = db.session.scalars(
        select(Contact).where(Contact.organiser_id == organiser.id,
                              Contact.id.in_(wanted - already), Contact.erased_at.is_(None))
        .order_by(Contact.id)).all()
    report = InviteReport(already_invited=len(already))
    if not contacts:
        return report
    # Bulk statements rather than 5,000 ORM objects: inviting a whole address book stays
    # within seconds. The link digest needs the id, so it is set right after the insert.
    nonces = {contact.id: new_nonce() for contact in contacts}
    created = db.session.execute(
        insert(Invitation).returning(Invitation.id, Invitation.contact_id),
        [{"event_id": event.id, "contact_id": contact_id, "plus_ones_allowed": plus_ones_allowed,
          "token_nonce": nonce, "plus_one_names": [], "created_at": now, "updated_at": now}
         for contact_id, nonce in nonces.items()],
    ).all()
    key = token_key()
    db.session.execute(update(Invitation), [
        {"id": invitation_id,
         "token_digest": token_digest(make_token("invitation", invitation_id,
                                                 nonces[contact_id], key))}
        for invitation_id, contact_id in created])
    report.invited = list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.id.in_([row.id for row in created]))
        .options(joinedload(Invitation.contact)).order_by(Invitation.id)))
    if send:
        send_invitations(event, report.invited, now)
    db.session.flush()
    return report


def send_invitations(event: Event, invitations: list[Invitation], now: datetime) -> int:
    """Queue the invitation email for each invitation not sent yet. Returns how many."""
    if event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations."))
    batch = MailMerge(event, "invitation", _l("Invitation: %(title)s", title=event.title),
                      calendar=lambda: batch_request_template(event))
    for invitation in invitations:
        if invitation.sent_at is None and not invitation.is_revoked:
            _add_to_batch(batch, invitation)
            invitation.sent_at = now
    db.session.flush()
    return batch.write()


def _add_to_batch(batch: MailMerge, invitation: Invitation) -> None:
    batch.add(invitation_id=invitation.id, to=invitation.contact.email,
              to_name=invitation.contact.name, language=invitation.guest_language,
              link=invitation_link(invitation), plus_ones_allowed=invitation.plus_ones_allowed,
              reply_to=invitation.event.host_email)


def resend_invitation(invitation: Invitation, now: datetime) -> Invitation:
    """Send the invitation email again, with the current link (after a new link, say)."""
    if invitation.event.status is not EventStatus.PUBLISHED:
        raise InvalidState(_l("Publish the event before sending invitations."))
    if invitation.is_revoked:
        raise InvalidState(_l("This guest's link is revoked: make a new one first."))
    _refuse_if_erased(invitation)
    queue_guest_email(invitation, "invitation", _l("Invitation: %(title)s",
                                                    title=invitation.event.title),
                       calendar=invitation.event.activities)
    invitation.sent_at = invitation.sent_at or now
    db.session.flush()
    return invitation


def queue_guest_email(invitation: Invitation, kind: str, subject,
                       calendar: Iterable[Activity] = (),
                       calendar_method: Method = Method.REQUEST, **context) -> None:
    """One email to one guest (a confirmation, a place from the waitlist, an update).

    ``calendar``: the parts to send as a calendar invitation with the guest's answers.
    """
    event = invitation.event
    link = invitation_link(invitation)
    calendar = list(calendar)
    attachments = ()
    if calendar:
        content = guest_request(invitation, link, calendar, calendar_method).decode("utf-8")
        attachments = (("invite.ics", f"text/calendar; method={calendar_method.value}",
                        content),)
    queue_email(
        kind=kind,
        to=invitation.contact.email,
        to_name=invitation.contact.name,
        language=invitation.guest_language,
        template=kind,
        subject=subject,
        event_id=event.id,
        invitation_id=invitation.id,
        reply_to=event.host_email,
        event=event,
        invitation=invitation,
        guest=invitation.contact,
        link=link,
        attachments=attachments,
        **EventFragments(event).for_language(invitation.guest_language),
        **context,
    )


# --- answering ---------------------------------------------------------------------------

def confirmed_places(activity_id: int, excluding_invitation_id: int | None = None) -> int:
    """Places taken at a part by confirmed guests and their plus-ones."""
    query = select(func.coalesce(func.sum(Response.places), 0)).where(
        Response.activity_id == activity_id, Response.status == AnswerStatus.YES)
    if excluding_invitation_id is not None:
        query = query.where(Response.invitation_id != excluding_invitation_id)
    return int(db.session.scalar(query))


def waitlist_position(response: Response) -> int:
    """1 for the first in line at the part, and so on."""
    ahead = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.activity_id == response.activity_id,
        Response.status == AnswerStatus.WAITLISTED,
        (Response.waitlisted_at < response.waitlisted_at)
        | ((Response.waitlisted_at == response.waitlisted_at) & (Response.id < response.id)),
    ))
    return int(ahead) + 1


def lock_answers(event: Event) -> Event:
    """Take the event's answer lock (see ``locking``), then read afresh what answers are
    decided on: the event's status and deadline, and each part's capacity."""
    lock_events([event.id])
    db.session.execute(select(Event).where(Event.id == event.id)
                       .options(selectinload(Event.activities))
                       .execution_options(populate_existing=True))
    return event


def _reread_under_lock(invitation: Invitation) -> None:
    """The invitation and its answers as committed now; ``LinkNotValid`` if the link it was
    reached by changed meanwhile (reissued, revoked, erased, deleted)."""
    nonce = invitation.token_nonce
    current = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation.id)
        .options(selectinload(Invitation.responses))
        .execution_options(populate_existing=True))
    if (current is None or current.token_nonce != nonce or current.is_revoked
            or current.anonymised_at is not None):
        raise LinkNotValid()


def note_change(invitation: Invitation, field_name: str, old, new, changed_by: str,
                 now: datetime, activity: Activity | None = None) -> None:
    db.session.add(ResponseChange(
        invitation=invitation, activity_id=activity.id if activity else None,
        activity_name=activity.name if activity else "", field=field_name,
        old_value="" if old is None else str(old), new_value="" if new is None else str(new),
        changed_by=changed_by, changed_at=now))


def refuse_unless_open_for_answers(event: Event, now: datetime) -> None:
    """Answers are taken while the event is published and the deadline has not passed."""
    if event.is_cancelled:
        raise EventCancelled()
    if event.is_draft:
        raise NotOpenYet()
    if not event.accepts_answers(now):
        raise DeadlinePassed(_l("The deadline for answers has passed."))


def respond_to_invitation(invitation: Invitation, answer: GuestAnswer, now: datetime,
                          changed_by: str = "guest") -> bool:
    """Save a guest's answer. Returns True if anything changed.

    A yes to a full part becomes waitlisted; a yes that no longer fits after adding
    plus-ones is refused with ``Full``; places freed by a no go to the waitlist.
    """
    event = lock_answers(invitation.event)
    _reread_under_lock(invitation)
    refuse_unless_open_for_answers(event, now)
    parts = {activity.id: activity for activity in event.activities}
    if set(answer.answers) - set(parts):
        raise UnknownPart()
    names = tuple(name.strip()[:120] for name in answer.plus_one_names if name.strip())
    if len(names) > invitation.plus_ones_allowed:
        raise TooManyPlusOnes(lazy_ngettext(
            "You can bring at most %(num)d guest.", "You can bring at most %(num)d guests.",
            invitation.plus_ones_allowed))

    touched = sorted(set(answer.answers) | {
        r.activity_id for r in invitation.responses if r.activity_id in parts})
    places = 1 + len(names)
    changed = False
    freed: list[Activity] = []
    for activity_id in touched:
        activity = parts[activity_id]
        response = invitation.response_for(activity)
        old_status = response.status if response else None
        wanted = answer.answers.get(activity_id)
        if wanted is None:  # not on the form: keep the answer, with the new party size
            wanted = AnswerStatus.YES if old_status in (
                AnswerStatus.YES, AnswerStatus.WAITLISTED) else old_status
        new_status = _decide(activity, invitation, wanted, old_status, places)
        if response is None:
            response = Response(invitation=invitation, activity=activity, status=new_status,
                                places=places)
            db.session.add(response)
        if new_status is AnswerStatus.WAITLISTED and old_status is not AnswerStatus.WAITLISTED:
            response.waitlisted_at = now
        if old_status is AnswerStatus.YES and (
                new_status is not AnswerStatus.YES or places < response.places):
            freed.append(activity)
        if new_status != old_status:
            note_change(invitation, "answer", old_status, new_status, changed_by, now, activity)
            changed = True
        response.status, response.places, response.updated_at = new_status, places, now
        db.session.flush()

    changed |= _update_guest_details(invitation, names, answer, changed_by, now)
    if changed or invitation.answered_at is None:
        invitation.answered_at = invitation.updated_at = now
    db.session.flush()
    for activity in freed:
        promote_from_waitlist(activity, now)
    if changed and changed_by == "guest":
        queue_guest_email(invitation, "confirmation",
                           _l("Your answer: %(title)s", title=event.title),
                           calendar=event.activities)
    return changed


def _decide(activity: Activity, invitation: Invitation, wanted: AnswerStatus,
            old_status: AnswerStatus | None, places: int) -> AnswerStatus:
    if wanted is not AnswerStatus.YES:
        return wanted
    if activity.capacity is None:
        return AnswerStatus.YES
    free = activity.capacity - confirmed_places(activity.id, invitation.id)
    if places <= free:
        return AnswerStatus.YES
    if old_status is AnswerStatus.YES:
        raise Full(_l(
            "%(part)s has room for %(free)d of you, not %(places)d. Bring fewer guests, or "
            "contact the host.", part=activity.name, free=max(free, 0), places=places))
    return AnswerStatus.WAITLISTED


def _update_guest_details(invitation: Invitation, names: tuple[str, ...], answer: GuestAnswer,
                          changed_by: str, now: datetime) -> bool:
    changed = False
    new_values = {
        "plus_ones": (", ".join(invitation.plus_one_names or []), ", ".join(names)),
        "dietary_needs": (invitation.dietary_needs, answer.dietary_needs.strip()[:500]),
        "message": (invitation.message_to_host, answer.message_to_host.strip()[:5000]),
    }
    for field_name, (old, new) in new_values.items():
        if old != new:
            note_change(invitation, field_name, old, new, changed_by, now)
            changed = True
    invitation.plus_one_names = list(names)
    invitation.dietary_needs = new_values["dietary_needs"][1]
    invitation.message_to_host = new_values["message"][1]
    return changed


def promote_from_waitlist(activity: Activity, now: datetime) -> list[Invitation]:
    """Confirm waitlisted guests, first in line first, while their party fits."""
    if activity.capacity is None:
        waiting = _waitlist(activity)
    else:
        free = activity.capacity - confirmed_places(activity.id)
        if free <= 0:
            return []
        waiting = _waitlist(activity)
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
                           calendar=[activity], activity=activity)
        promoted.append(response.invitation)
    db.session.flush()
    return promoted


def promotions_message(count: int) -> str:
    """For the organiser, after a change that gave places to guests in line."""
    return str(lazy_ngettext("%(num)d guest moved from the waitlist and was emailed.",
                             "%(num)d guests moved from the waitlist and were emailed.",
                             count))


def _waitlist(activity: Activity) -> list[Response]:
    return list(db.session.scalars(
        select(Response).where(Response.activity_id == activity.id,
                               Response.status == AnswerStatus.WAITLISTED)
        .options(joinedload(Response.invitation).joinedload(Invitation.contact))
        .order_by(Response.waitlisted_at, Response.id)
        .execution_options(populate_existing=True)))


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


# --- reminders ---------------------------------------------------------------------------

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
    batch = MailMerge(event, "reminder", _l("Reminder: %(title)s", title=event.title))
    for invitation in db.session.scalars(query).unique():
        if said_no_to_everything(invitation):
            continue
        _add_to_batch(batch, invitation)
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


def reinvite_guests(previous: Event, edition: Event, now: datetime) -> int:
    """Invite last edition's guests (not revoked) to the new one, with the same plus-ones.
    Nothing is sent: the new edition is a draft. Returns how many were invited."""
    groups: dict[tuple[int, int], list[int]] = {}
    for invitation in db.session.scalars(
            select(Invitation).where(Invitation.event_id == previous.id,
                                     Invitation.revoked_at.is_(None))
            .options(joinedload(Invitation.contact))).unique():
        key = (invitation.contact.organiser_id, invitation.plus_ones_allowed)
        groups.setdefault(key, []).append(invitation.contact_id)
    invited = 0
    for (organiser_id, plus_ones), contact_ids in groups.items():
        report = invite_contacts(edition, db.session.get(Organiser, organiser_id), contact_ids,
                                 plus_ones, send=False, now=now)
        invited += len(report.invited)
    return invited

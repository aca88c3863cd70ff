"""A guest's answers under the event's answer lock: per part yes, no or maybe; a yes to a full
part waits in line; plus-ones, dietary needs and a message; the guest's language.

Services add and flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.calendar.services import event_uid
from eventplanner.errors import DeadlinePassed, Full
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.invitations.changes import note_change
from eventplanner.invitations.errors import (
    EventCancelled,
    LinkNotValid,
    NotOpenYet,
    TooManyPlusOnes,
    UnknownLanguage,
    UnknownPart,
)
from eventplanner.invitations.guest_calendar import (
    CANCEL_WHOLE_EVENT,
    CHANGED_PARTS,
    answers_before,
)
from eventplanner.invitations.guest_mail import GuestMailBatch
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
    Response,
)
from eventplanner.invitations.signals import (
    announce,
    announce_places_changed,
    invitation_answered,
)
from eventplanner.invitations.waitlist import confirmed_places_at, promote_from_waitlist
from eventplanner.mail.models import Attachment, Message, MessageStatus
from eventplanner.tokens import looks_like_token, token_digest

#: Who answered when the guest gets a confirmation: the guest on their page, or their
#: calendar program (a Yes in Outlook); not the organiser who answers for them.
ANSWERS_THE_GUEST_CONFIRMS = ("guest", "calendar")


@dataclass(frozen=True)
class GuestAnswer:
    """What a guest submits: an answer per part (yes, no, maybe) and the rest of the form."""

    answers: dict[int, AnswerStatus]
    plus_one_names: tuple[str, ...] = ()
    dietary_needs: str = ""
    message_to_host: str = ""


def choose_guest_language(invitation: Invitation, language: str, now: datetime) -> None:
    """The guest's own choice of language, for their pages and the emails that follow."""
    if language not in current_app.config["LANGUAGES"]:
        raise UnknownLanguage()
    if invitation.language != language:
        invitation.language = language
        invitation.updated_at = now
    db.session.flush()


def invitation_to_answer(token: str) -> Invitation:
    """The invitation behind ``token``, for an answer through it: its event's answer lock
    taken first, then the invitation read once with what the answer is decided on (the
    event's status and deadline, each part's capacity, the contact, the answers), so that
    ``respond_to_invitation`` in this transaction does not read it again. ``LinkNotValid``
    for a wrong, revoked or erased link."""
    if not looks_like_token(token):
        raise LinkNotValid()
    digest = token_digest(token)
    lock_events(select(Invitation.event_id).where(Invitation.token_digest == digest))
    invitation = db.session.scalars(_READ_BY_DIGEST, {"digest": digest}).unique().first()
    if invitation is None or invitation.is_revoked or invitation.anonymised_at is not None:
        raise LinkNotValid()
    db.session.info[_READ_UNDER_LOCK] = (db.session().get_transaction(), invitation.id)
    return invitation


_READ_UNDER_LOCK = "invitation read under its event's answer lock"


def _read_under_lock(invitation: Invitation) -> bool:
    """Whether ``invitation`` was read by ``invitation_to_answer`` in this transaction."""
    return db.session.info.get(_READ_UNDER_LOCK) == (db.session().get_transaction(),
                                                     invitation.id)


def _lock_and_reread(invitation: Invitation) -> Event:
    """Take the event's answer lock, then read afresh, in one statement, what the answer
    is decided on: the event's status and deadline, each part's capacity, the invitation
    and its answers, as committed now. ``LinkNotValid`` if the link it was reached by
    changed meanwhile (reissued, revoked, erased, deleted). Nothing to do for an
    invitation read by ``invitation_to_answer`` in this transaction."""
    if _read_under_lock(invitation):
        return invitation.event
    nonce = invitation.token_nonce
    lock_events([invitation.event_id])
    current = db.session.scalars(_REREAD, {"invitation_id": invitation.id}).unique().first()
    if (current is None or current.token_nonce != nonce or current.is_revoked
            or current.anonymised_at is not None):
        raise LinkNotValid()
    return current.event


#: Built once: the invitation with its event, parts, contact and answers, overwriting what
#: the session holds; by id, and by its link's digest.
_FRESH_INVITATION = (
    select(Invitation)
    .options(joinedload(Invitation.event).joinedload(Event.activities),
             joinedload(Invitation.contact), joinedload(Invitation.responses))
    .execution_options(populate_existing=True))
_REREAD = _FRESH_INVITATION.where(Invitation.id == bindparam("invitation_id"))
_READ_BY_DIGEST = _FRESH_INVITATION.where(Invitation.token_digest == bindparam("digest"))


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
    event = _lock_and_reread(invitation)
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
    wanted_by_part = {}
    for activity_id in touched:
        response = invitation.response_for(parts[activity_id])
        old_status = response.status if response else None
        wanted = answer.answers.get(activity_id)
        if wanted is None:  # not on the form: keep the answer, with the new party size
            wanted = AnswerStatus.YES if old_status in (
                AnswerStatus.YES, AnswerStatus.WAITLISTED) else old_status
        wanted_by_part[activity_id] = (response, old_status, wanted)
    taken = confirmed_places_at(
        [i for i, (_, _, wanted) in wanted_by_part.items()
         if wanted is AnswerStatus.YES and parts[i].capacity is not None], invitation.id)
    for activity_id, (response, old_status, wanted) in wanted_by_part.items():
        activity = parts[activity_id]
        new_status = _decide(activity, wanted, old_status, places, taken.get(activity_id, 0))
        if response is None:
            response = Response(invitation=invitation, activity=activity, status=new_status,
                                places=places, updated_at=now)
            db.session.add(response)
        if new_status is AnswerStatus.WAITLISTED and old_status is not AnswerStatus.WAITLISTED:
            response.waitlisted_at = now
        if old_status is AnswerStatus.YES and (
                new_status is not AnswerStatus.YES or places < response.places):
            freed.append(activity)
        if new_status != old_status:
            note_change(invitation, "answer", old_status, new_status, changed_by, now, activity)
            changed = True
        if (response.status, response.places) != (new_status, places):  # else no write
            response.status, response.places, response.updated_at = new_status, places, now

    changed |= _update_guest_details(invitation, names, answer, changed_by, now)
    if changed or invitation.answered_at is None:
        invitation.answered_at = invitation.updated_at = now
    db.session.flush()
    announce_places_changed([invitation.id], "answer")
    if changed:
        announce(invitation_answered, invitation=invitation, changed_by=changed_by)
    for activity in freed:
        promote_from_waitlist(activity, now)
    if changed and changed_by in ANSWERS_THE_GUEST_CONFIRMS:
        before = {activity_id: old for activity_id, (_, old, _) in wanted_by_part.items()}
        _queue_confirmation(event, invitation, before)
    return changed


def answer_on_behalf(invitation: Invitation, answers: dict[int, AnswerStatus], now: datetime,
                     by: Organiser) -> bool:
    """An organiser enters a guest's answers for them (the guest phoned, or said it at the
    door of the office): the same rules as the guest's own answer (capacity, waitlist,
    deadline), the guest's other details kept, "changed by the organiser" in the history,
    and the audit trail names the organiser (part: old -> new). Returns True if anything
    changed."""
    before = {response.activity_id: response.status for response in invitation.responses}
    changed = respond_to_invitation(invitation, GuestAnswer(
        answers, tuple(invitation.plus_one_names or ()), invitation.dietary_needs,
        invitation.message_to_host), now, changed_by="organiser")
    if changed:
        parts = {activity.id: activity.name for activity in invitation.event.activities}
        after = {response.activity_id: response.status for response in invitation.responses}
        record(invitation.event.workspace_id, by, "answer.on_behalf",
               event_id=invitation.event_id, contact_id=invitation.contact_id,
               details={parts[part]: [before.get(part), status]
                        for part, status in after.items()
                        if part in parts and before.get(part) != status})
    return changed


def _queue_confirmation(event: Event, invitation: Invitation,
                        before: dict[int, AnswerStatus | None]) -> None:
    """The guest's confirmation, with what changed in their calendar: queued in this
    transaction and written by the delivery worker, like a batch email. It says what the
    guest's answers are when it is written; if the guest answers again before it is
    written, the later confirmation replaces it (``queued_mail``), so the later one takes
    over the calendar changes the earlier one was to send, from the answers before them.

    ``before``: the guest's answer per part before this change, read under the answer
    lock."""
    after = {activity.id: invitation.answer_for(activity) for activity in event.activities}
    changed = answers_before(invitation, before, after)
    cancel_whole_event = not any(before.values()) and _whole_event_entry_sent(invitation)
    pending = _unwritten_confirmation(invitation)
    if pending is not None:
        changed = {**changed, **pending.context.get(CHANGED_PARTS, {})}
        cancel_whole_event |= bool(pending.context.get(CANCEL_WHOLE_EVENT))
    confirmation = GuestMailBatch(event, "confirmation",
                                  _l("Your answer: %(title)s", title=event.title),
                                  calendar=True)
    confirmation.add(invitation, **{CHANGED_PARTS: changed,
                                    CANCEL_WHOLE_EVENT: cancel_whole_event})
    confirmation.write()


def _whole_event_entry_sent(invitation: Invitation) -> bool:
    """Whether an email to the guest carried the whole event's calendar entry (the
    invitation to an event of several parts, or its news before they answered): their
    first answer replaces it with the parts' entries."""
    return db.session.scalar(
        select(Attachment.id).join(Message, Message.id == Attachment.message_id)
        .where(Message.invitation_id == invitation.id,
               Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING,
                                   MessageStatus.SENT)),
               Attachment.content.contains(f"UID:{event_uid(invitation.event)}\r\n"))
        .limit(1)) is not None


def _unwritten_confirmation(invitation: Invitation) -> Message | None:
    """The guest's latest confirmation not written yet (queued, or claimed by a worker
    that has not written it): the one a new confirmation replaces."""
    return db.session.scalar(
        select(Message).where(Message.invitation_id == invitation.id,
                              Message.kind == "confirmation", Message.rendered_at.is_(None),
                              Message.status.in_((MessageStatus.QUEUED,
                                                  MessageStatus.SENDING)))
        .order_by(Message.id.desc()).limit(1))


def _decide(activity: Activity, wanted: AnswerStatus, old_status: AnswerStatus | None,
            places: int, taken_by_others: int) -> AnswerStatus:
    """``taken_by_others``: the places other guests hold at the part, read under the
    lock."""
    if wanted is not AnswerStatus.YES:
        return wanted
    if activity.capacity is None:
        return AnswerStatus.YES
    free = activity.capacity - taken_by_others
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

"""What the app does with an email that comes back to a reply address.

``receive_mail`` notes every email once (by Message-ID and recipient) and decides what it
is: a calendar answer (iTIP REPLY) that counts is applied through the same answer service
as the guest's page (``respond_to_invitation``: capacity, waitlist, deadline, history,
confirmation); any other email, and an answer that does not count, is kept with the reason
for the organiser to read. Nothing in an email can make this fail: a bad one is noted as
such, and an answer refused by a rule leaves the guest's answers as they were.

Services add and flush; the caller commits, once per email.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.calendar.services import event_uid, part_uid
from eventplanner.errors import DeadlinePassed, DomainError, Full, InvalidState
from eventplanner.events.locking import lock_answers
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.inbox.models import IncomingKind, IncomingMail, IncomingOutcome
from eventplanner.inbox.parsing import (
    CalendarMessage,
    ReadEmail,
    Unreadable,
    message_id_of,
    read_calendar,
    read_email,
    read_headers,
    sender_and_subject,
)
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.errors import EventCancelled, LinkNotValid, NotOpenYet
from eventplanner.invitations.models import AnswerStatus, Invitation, ResponseChange
from eventplanner.invitations.reply_address import invitation_id_in, is_reply_address_of

#: A calendar program's answer -> the guest's answer.
ANSWERS = {"ACCEPTED": AnswerStatus.YES, "DECLINED": AnswerStatus.NO,
           "TENTATIVE": AnswerStatus.MAYBE}
#: Domain errors of the answer service -> the reason an answer was not applied.
REFUSALS = ((EventCancelled, "event_cancelled"), (NotOpenYet, "not_open"),
            (DeadlinePassed, "deadline_passed"), (LinkNotValid, "link_not_valid"),
            (Full, "full"))


def receive_mail(raw: bytes, recipients: Sequence[str], now: datetime) -> IncomingMail:
    """Note an email delivered to ``recipients`` (its envelope, or the addresses its
    headers name) and act on it. The same email to the same address again changes
    nothing and returns the first note of it."""
    recipient = _our_recipient(recipients).replace("\x00", "")
    headers = read_headers(raw[:65536])
    message_id = message_id_of(raw, headers).replace("\x00", "")
    seen = db.session.scalar(select(IncomingMail).where(
        IncomingMail.message_id == message_id, IncomingMail.recipient == recipient))
    if seen is not None:
        return seen
    mail = IncomingMail(message_id=message_id, recipient=recipient, received_at=now,
                        size=len(raw), kind=IncomingKind.UNREADABLE,
                        outcome=IncomingOutcome.NOT_APPLIED)
    invitation = _invitation_at(recipient)
    if invitation is not None:
        mail.invitation, mail.event_id = invitation, invitation.event_id
        mail.workspace_id = invitation.event.workspace_id
    db.session.add(mail)
    _read_into(mail, raw, invitation, now)
    _drop_nul_characters(mail)
    db.session.flush()
    return mail


#: The texts of a note that come from the email.
_TEXTS_FROM_THE_EMAIL = ("sender", "subject", "uid", "partstat", "attendee", "detail")


def _drop_nul_characters(mail: IncomingMail) -> None:
    """An email may hold NUL characters; no database text column can (PostgreSQL refuses
    them)."""
    for name in _TEXTS_FROM_THE_EMAIL:
        value = getattr(mail, name)
        if value and "\x00" in value:
            setattr(mail, name, value.replace("\x00", ""))


def _our_recipient(recipients: Sequence[str]) -> str:
    """The first recipient that is a reply address of ours, else the first one."""
    cleaned = [address.strip().strip("<>").lower()[:254] for address in recipients]
    for address in cleaned:
        if invitation_id_in(address) is not None:
            return address
    return cleaned[0] if cleaned else ""


def _invitation_at(address: str) -> Invitation | None:
    """The invitation whose current reply address this is (not a reissued link's old one,
    not a made-up one)."""
    invitation_id = invitation_id_in(address)
    if invitation_id is None:
        return None
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.id == invitation_id)
        .options(joinedload(Invitation.contact),
                 joinedload(Invitation.event).selectinload(Event.activities),
                 selectinload(Invitation.responses))).first()
    if invitation is None or not is_reply_address_of(invitation, address):
        return None
    return invitation


def _read_into(mail: IncomingMail, raw: bytes, invitation: Invitation | None,
               now: datetime) -> None:
    config = current_app.config
    if invitation is not None and (invitation.anonymised_at is not None
                                   or invitation.contact.erased_at is not None):
        mail.reason = "link_not_valid"  # an erased guest: nothing of the email is kept
        return
    if len(raw) > config["INBOUND_MAX_BYTES"]:
        mail.sender, mail.subject = sender_and_subject(read_headers(raw[:65536]))
        mail.reason = "too_large"
        return
    try:
        read = read_email(raw, config["INBOUND_MAX_PARTS"])
    except Unreadable as unreadable:
        mail.sender, mail.subject = sender_and_subject(read_headers(raw[:65536]))
        mail.reason = unreadable.reason
        return
    mail.sender, mail.subject = read.sender, read.subject
    if invitation is None:
        mail.kind, mail.reason = _kind_of(read), "unknown_address"
        return
    calendar = _first_calendar(read)
    if isinstance(calendar, CalendarMessage) and calendar.method == "REPLY":
        _take_answer(mail, calendar, invitation, now)
    elif isinstance(calendar, CalendarMessage) and calendar.method == "COUNTER":
        _note_counter(mail, calendar, invitation)
    elif read.is_bounce:
        _note_bounce(mail, read, invitation, now)
    elif read.is_automatic:
        mail.kind, mail.outcome, mail.detail = (IncomingKind.AUTO_REPLY,
                                                IncomingOutcome.SHOWN, read.text)
    elif calendar is not None:
        mail.kind = IncomingKind.ANSWER
        mail.reason = calendar if isinstance(calendar, str) else "not_an_answer"
        if isinstance(calendar, CalendarMessage):
            mail.uid = calendar.uid
    else:
        mail.kind, mail.outcome, mail.detail = (IncomingKind.MESSAGE, IncomingOutcome.SHOWN,
                                                read.text)


def _kind_of(read: ReadEmail) -> IncomingKind:
    if read.calendars:
        return IncomingKind.ANSWER
    if read.is_bounce:
        return IncomingKind.BOUNCE
    return IncomingKind.AUTO_REPLY if read.is_automatic else IncomingKind.MESSAGE


def _first_calendar(read: ReadEmail) -> CalendarMessage | str | None:
    """The email's calendar message; the reason code when it has one that cannot be read;
    None when it has none."""
    if not read.calendars:
        return None
    try:
        return read_calendar(read.calendars[0])
    except Unreadable as unreadable:
        return unreadable.reason


def _take_answer(mail: IncomingMail, calendar: CalendarMessage, invitation: Invitation,
                 now: datetime) -> None:
    """A calendar program's answer: applied when it counts, else kept with the reason."""
    mail.kind = IncomingKind.ANSWER
    mail.uid, mail.sequence, mail.stamped_at = (calendar.uid, calendar.sequence,
                                                calendar.stamped_at)
    guest = invitation.contact.email.strip().lower()
    attendee = next((a for a in calendar.attendees if a.email == guest), None)
    from_alias = attendee is None and len(calendar.attendees) == 1
    if attendee is None and not from_alias:
        mail.reason = "no_attendee" if not calendar.attendees else "not_the_guest"
        return
    attendee = attendee or calendar.attendees[0]
    mail.attendee, mail.partstat = attendee.email, attendee.partstat
    mail.detail = attendee.comment or calendar.comment
    lock_answers(invitation.event)  # the parts and their SEQUENCEs read afresh under it
    reason = _why_it_does_not_count(mail, invitation)
    if reason:
        mail.reason = reason
    elif from_alias:
        mail.outcome, mail.reason = IncomingOutcome.TO_CONFIRM, "other_address"
    else:
        _apply(mail, invitation, now)


def _parts_named(invitation: Invitation, uid: str) -> list[Activity] | None:
    """The parts a UID stands for: one part, or every part for the whole event's entry;
    None when it names nothing of this invitation's event (or a part since removed)."""
    event = invitation.event
    if uid == event_uid(event):
        return list(event.activities)
    return next(([part] for part in event.activities if part_uid(part) == uid), None)


def _why_it_does_not_count(mail: IncomingMail, invitation: Invitation) -> str:
    """The reason an answer is not applied, or "" when it may be (under the lock)."""
    if mail.partstat not in ANSWERS:
        return "unknown_partstat"
    parts = _parts_named(invitation, mail.uid)
    if not parts:
        return "unknown_part"
    if len(parts) == 1:
        mail.activity_id = parts[0].id
    # An answer to an older SEQUENCE than the entry's now is still the guest's answer (RFC
    # 5546 3.2.3 leaves it to the organiser): a guest who has not answered is sent no
    # update when a part moves or is added, and their Yes must not go nowhere. Their
    # confirmation brings the entry as it is now. Only an older answer than one already
    # applied is out of order (``_superseded``).
    return _superseded(mail, invitation, parts)


def _superseded(mail: IncomingMail, invitation: Invitation, parts: list[Activity]) -> str:
    """"duplicate" or "out_of_order" against the last answer applied from the calendar
    for this entry (a lower SEQUENCE, or an earlier DTSTAMP; another answer stamped the
    same second came later, and counts); "answered_since" when the answer was changed
    another way (the guest's page, the organiser, the waitlist) after this one was
    written."""
    last = db.session.scalars(
        select(IncomingMail).where(IncomingMail.invitation_id == invitation.id,
                                   IncomingMail.uid == mail.uid,
                                   IncomingMail.outcome == IncomingOutcome.APPLIED,
                                   IncomingMail.id != mail.id)
        .order_by(IncomingMail.sequence.desc().nulls_last(),
                  IncomingMail.stamped_at.desc().nulls_last())).first()
    if last is not None:
        ours, theirs = (mail.sequence or 0, mail.stamped_at), (last.sequence or 0,
                                                                last.stamped_at)
        if ours == theirs and mail.partstat == last.partstat:
            return "duplicate"
        if ours[0] < theirs[0] or (ours[0] == theirs[0] and None not in (ours[1], theirs[1])
                                   and ours[1] < theirs[1]):
            return "out_of_order"
    if mail.stamped_at is None:
        return ""
    answered_elsewhere = db.session.scalar(select(func.max(ResponseChange.changed_at)).where(
        ResponseChange.invitation_id == invitation.id,
        ResponseChange.activity_id.in_([part.id for part in parts]),
        ResponseChange.field == "answer", ResponseChange.changed_by != "calendar"))
    # DTSTAMP has whole seconds: an answer in the same second is not later.
    if (answered_elsewhere is not None
            and answered_elsewhere.replace(microsecond=0) > mail.stamped_at):
        return "answered_since"
    return ""


def _apply(mail: IncomingMail, invitation: Invitation, now: datetime) -> bool:
    """The answer through the guest's own answer service, in a savepoint: a rule that
    refuses it (deadline, cancelled, full) leaves nothing changed. Returns whether it was
    applied."""
    status = ANSWERS[mail.partstat]
    parts = _parts_named(invitation, mail.uid) or []
    answer = GuestAnswer({part.id: status for part in parts},
                         tuple(invitation.plus_one_names or ()), invitation.dietary_needs,
                         invitation.message_to_host)
    try:
        with db.session.begin_nested():
            changed = respond_to_invitation(invitation, answer, now, changed_by="calendar")
    except DomainError as refusal:
        mail.outcome = IncomingOutcome.NOT_APPLIED
        mail.reason = next((reason for kind, reason in REFUSALS
                            if isinstance(refusal, kind)), "refused")
        return False
    mail.outcome = IncomingOutcome.APPLIED
    waitlisted = any(invitation.answer_for(part) is AnswerStatus.WAITLISTED for part in parts)
    mail.reason = "waitlisted" if waitlisted else ("" if changed else "unchanged")
    return True


def _note_counter(mail: IncomingMail, calendar: CalendarMessage,
                  invitation: Invitation) -> None:
    """A proposal of another time: shown to the organiser, never applied."""
    mail.kind, mail.outcome = IncomingKind.COUNTER, IncomingOutcome.SHOWN
    mail.uid, mail.sequence, mail.stamped_at = (calendar.uid, calendar.sequence,
                                                calendar.stamped_at)
    mail.proposed_start, mail.proposed_end = calendar.starts_at, calendar.ends_at
    attendee = calendar.attendees[0] if calendar.attendees else None
    if attendee is not None:
        mail.attendee, mail.partstat = attendee.email, attendee.partstat
    mail.detail = (attendee.comment if attendee else "") or calendar.comment
    parts = _parts_named(invitation, calendar.uid)
    if parts and len(parts) == 1:
        mail.activity_id = parts[0].id
    elif not parts:
        mail.reason = "unknown_part"


def _note_bounce(mail: IncomingMail, read: ReadEmail, invitation: Invitation,
                 now: datetime) -> None:
    """A delivery report: a permanent failure for the guest's address marks the address
    as bouncing on the guest list; a delay or a passing failure is only shown."""
    mail.kind, mail.outcome = IncomingKind.BOUNCE, IncomingOutcome.SHOWN
    contact = invitation.contact
    guest = contact.email.strip().lower()
    theirs = [status for status in read.delivery_reports if status.recipient in ("", guest)]
    if read.delivery_reports and not theirs:
        other = read.delivery_reports[0]
        mail.reason = "other_recipient"
        mail.detail = " ".join(filter(None, (other.recipient, other.status, other.diagnostic)))
        return
    permanent = next((status for status in theirs if status.is_permanent), None)
    if permanent is not None and contact.erased_at is None:
        mail.reason = "hard_bounce"
        mail.detail = " ".join(filter(None, (permanent.status, permanent.diagnostic)))
        contact.email_bounced_at = now
        contact.email_bounce_reason = mail.detail[:300]
    elif theirs:
        mail.reason = "delayed" if theirs[0].action == "delayed" else "soft_bounce"
        mail.detail = " ".join(filter(None, (theirs[0].status, theirs[0].diagnostic)))
    else:
        mail.reason, mail.detail = "bounce_without_report", read.text


def confirm_answer(mail: IncomingMail, by: Organiser, now: datetime) -> bool:
    """The organiser applies an answer that came from another address than the invited
    one (the guest's other address): checked again as it is now, then applied as the
    guest's own. Returns whether it was applied; when not, ``mail.reason`` says why."""
    lock_answers(mail.invitation.event)
    db.session.refresh(mail)  # another organiser may have applied it meanwhile
    if not mail.is_waiting:
        raise InvalidState(_l("This answer is not waiting to be confirmed."))
    invitation = mail.invitation
    mail.confirmed_at, mail.confirmed_by_id = now, by.id
    reason = _why_it_does_not_count(mail, invitation)
    if reason:
        mail.outcome, mail.reason = IncomingOutcome.NOT_APPLIED, reason
        db.session.flush()
        return False
    applied = _apply(mail, invitation, now)
    if applied:
        record(invitation.event.workspace_id, by, "answer.confirmed_from_calendar",
               event_id=invitation.event_id, contact_id=invitation.contact_id,
               details={"from": mail.attendee, "answer": mail.partstat})
    db.session.flush()
    return applied


def incoming_mail_of(event_id: int, page: int, per_page: int = 50) -> list[IncomingMail]:
    """An event's incoming mail, newest first, with the guests it came for."""
    return list(db.session.scalars(
        select(IncomingMail).where(IncomingMail.event_id == event_id)
        .options(joinedload(IncomingMail.invitation).joinedload(Invitation.contact),
                 joinedload(IncomingMail.activity))
        .order_by(IncomingMail.received_at.desc(), IncomingMail.id.desc())
        .offset(max(page - 1, 0) * per_page).limit(per_page + 1)))


def incoming_mail_for_guest(invitation_id: int, limit: int = 10) -> list[IncomingMail]:
    """The latest mail that came back from one guest, newest first."""
    return list(db.session.scalars(
        select(IncomingMail).where(IncomingMail.invitation_id == invitation_id)
        .options(joinedload(IncomingMail.activity))
        .order_by(IncomingMail.received_at.desc(), IncomingMail.id.desc()).limit(limit)))


def waiting_answers_count(event_id: int) -> int:
    """How many answers wait for the organiser to confirm them."""
    return int(db.session.scalar(select(func.count()).select_from(IncomingMail).where(
        IncomingMail.event_id == event_id,
        IncomingMail.outcome == IncomingOutcome.TO_CONFIRM,
        IncomingMail.confirmed_at.is_(None))))


#: Mail to addresses that are no invitation's is kept this long, for the operator.
UNADDRESSED_KEPT_DAYS = 30


def discard_unaddressed_mail(now: datetime) -> int:
    """Delete mail to addresses that are no invitation's (no organiser reads it) once it
    is older than ``UNADDRESSED_KEPT_DAYS``. Returns how many."""
    result = db.session.execute(delete(IncomingMail).where(
        IncomingMail.workspace_id.is_(None),
        IncomingMail.received_at < now - timedelta(days=UNADDRESSED_KEPT_DAYS)))
    return result.rowcount or 0

"""Personal data: what we hold about a contact, erasing it, and forgetting old events.

Erasure and the retention purge remove what identifies or describes a person (name,
addresses, plus-ones, dietary needs, messages, comments, notes, email bodies) and keep what
the figures need (that someone was invited, came, answered yes, gave a 9, ran 9:31, and
when), so attendance, NPS and results still add up. Erasure does it to one contact; the
purge does it to every guest of an old event: their invitation passes to an erased
contact of its own, and the contact keeps only their newer events.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from eventplanner.audit.models import AuditEntry
from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Contact
from eventplanner.deletions.models import Gone
from eventplanner.errors import InvalidState
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, Note
from eventplanner.feedback.relationships import note_readable_by
from eventplanner.gifts.services import gifts_about
from eventplanner.goals.models import Goal, Result
from eventplanner.inbox.models import IncomingMail
from eventplanner.invitations.models import Invitation, ResponseChange
from eventplanner.invitations.signals import announce_places_changed
from eventplanner.invitations.tombstones import bury_invitations
from eventplanner.invitations.waitlist import withdraw_from_waitlists
from eventplanner.mail.models import Attachment, Message, MessageStatus
from eventplanner.mail.outbox import queue_email
from eventplanner.privacy.signals import contact_erased, contacts_purged
from eventplanner.questions.services import (
    TEXT_CHANGE_FIELD,
    answers_of_guests,
    clear_text_answers,
    person_label,
)
from eventplanner.urls import absolute_url

#: History entries whose values are free text about the guest (answers stay).
FREE_TEXT_CHANGES = ("plus_ones", "dietary_needs", "message", TEXT_CHANGE_FIELD)
#: Written in the language of the organiser who erases (the row keeps no person).
ERASED_NAME = _l("Erased contact")


class AlreadyErased(InvalidState):
    default_message = _l("This contact has been erased already.")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def contact_data(contact: Contact, viewer: Organiser | None = None) -> dict:
    """Everything held about a contact, as plain data (for a JSON download or a page).
    ``viewer``: the member who asks, who gets the team's notes and their own private ones
    (never another member's); None: the person themselves (their right of access), who
    gets every note."""
    notes = select(Note).where(Note.contact_id == contact.id)
    if viewer is not None:
        notes = notes.where(note_readable_by(viewer))
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.contact_id == contact.id)
        .options(selectinload(Invitation.event).selectinload(Event.activities),
                 selectinload(Invitation.responses), selectinload(Invitation.changes),
                 selectinload(Invitation.check_ins)).order_by(Invitation.id)))
    ids = [i.id for i in invitations]
    goals = list(db.session.scalars(select(Goal).where(Goal.invitation_id.in_(ids))))
    results = list(db.session.scalars(select(Result).where(Result.invitation_id.in_(ids))))
    feedback = {f.invitation_id: f for f in db.session.scalars(
        select(Feedback).where(Feedback.invitation_id.in_(ids))
        .options(selectinload(Feedback.ratings)))}
    messages = list(db.session.scalars(
        select(Message).where(Message.invitation_id.in_(ids)).order_by(Message.id)))
    names = {a.id: a.name for i in invitations for a in i.event.activities}
    question_answers = answers_of_guests(ids)
    came_back = list(db.session.scalars(
        select(IncomingMail).where(IncomingMail.invitation_id.in_(ids))
        .order_by(IncomingMail.id)))
    return {
        "contact": {
            "name": contact.name, "email": contact.email, "phone": contact.phone,
            "job_title": contact.job_title,
            "company": contact.company.name if contact.company else None,
            "language": contact.language, "dietary_notes": contact.dietary_notes,
            "notes": contact.notes, "tags": contact.tag_names,
            "created_at": _moment(contact.created_at),
            "erasure_requested_at": _moment(contact.erasure_requested_at),
            "erased_at": _moment(contact.erased_at)},
        "notes": [{"date": n.noted_on.isoformat(), "text": n.text}
                  for n in db.session.scalars(notes.order_by(Note.noted_on, Note.id))],
        "gifts": [{"date": g.given_on.isoformat(), "direction": g.direction.value,
                   "what": g.description, "occasion": g.occasion,
                   "estimated_value": None if g.value is None else str(g.value),
                   "currency": g.currency} for g in reversed(gifts_about(contact=contact))],
        "invitations": [{
            "event": i.event.title, "starts_at": _moment(i.event.starts_at),
            "sent_at": _moment(i.sent_at), "opened_at": _moment(i.opened_at),
            "answered_at": _moment(i.answered_at), "language": i.language,
            "answers": {names.get(r.activity_id, str(r.activity_id)): r.status.value
                        for r in i.responses},
            "plus_one_names": list(i.plus_one_names or []),
            "dietary_needs": i.dietary_needs, "message_to_host": i.message_to_host,
            "questions": [{"question": question.text, "answer": text,
                           "for": person_label(i, person)}
                          for person, question, text in question_answers.get(i.id, [])],
            "history": [{"at": _moment(c.changed_at), "what": c.field,
                         "part": c.activity_name, "from": c.old_value, "to": c.new_value,
                         "by": c.changed_by} for c in i.changes],
            "checked_in": [{"part": names.get(c.activity_id), "at": _moment(c.checked_in_at)}
                           for c in i.check_ins],
            "goals": [{"part": names.get(g.activity_id), "target_seconds": g.target_seconds,
                       "previous_best_seconds": g.previous_best_seconds, "aim": g.aim,
                       "host_comment": g.organiser_comment}
                      for g in goals if g.invitation_id == i.id],
            "results": [{"part": names.get(r.activity_id), "status": r.status.value,
                         "time_seconds": r.time_seconds}
                        for r in results if r.invitation_id == i.id],
            "feedback": _feedback_data(feedback.get(i.id), names),
            "emails": [{"kind": m.kind, "subject": m.subject, "to": m.recipient,
                        "status": m.status.value, "created_at": _moment(m.created_at)}
                       for m in messages if m.invitation_id == i.id],
            "emails_received": [{"kind": m.kind.value, "from": m.sender,
                                 "subject": m.subject, "answer": m.partstat,
                                 "said": m.detail, "received_at": _moment(m.received_at)}
                                for m in came_back if m.invitation_id == i.id],
        } for i in invitations],
    }


def export_contact_data(contact: Contact, actor: Organiser) -> dict:
    """``contact_data`` for a member's download; the audit trail keeps who exported it."""
    record(contact.workspace_id, actor, "contact.exported", contact_id=contact.id)
    db.session.flush()
    return contact_data(contact, actor)


def _feedback_data(feedback: Feedback | None, names: dict[int, str]) -> dict | None:
    if feedback is None:
        return None
    return {"score": feedback.score, "did_well": feedback.did_well,
            "do_better": feedback.do_better, "invite_again": feedback.invite_again,
            "custom_answer": feedback.custom_answer, "custom_rating": feedback.custom_rating,
            "ratings": {names.get(r.activity_id): r.rating for r in feedback.ratings},
            "submitted_at": _moment(feedback.submitted_at)}


def anonymise_invitations(invitation_ids: list[int], now: datetime) -> int:
    """Remove the free text of these invitations (and of the emails sent for them); keep
    answers, check-ins, scores, ratings and times. Returns how many were anonymised."""
    if not invitation_ids:
        return 0
    bury_invitations(invitation_ids, Gone.ERASED)
    db.session.execute(update(Invitation).where(Invitation.id.in_(invitation_ids)).values(
        plus_one_names=[], dietary_needs="", message_to_host="", anonymised_at=now,
        token_digest=None))  # the link stops working; the guest stays in every count
    db.session.execute(update(ResponseChange).where(
        ResponseChange.invitation_id.in_(invitation_ids),
        ResponseChange.field.in_(FREE_TEXT_CHANGES)).values(old_value="", new_value=""))
    clear_text_answers(invitation_ids)  # a choice or a yes stays, for the counts
    # Their times stay as they were (not "updated" now): when a guest answered is a figure.
    db.session.execute(update(Feedback).where(Feedback.invitation_id.in_(invitation_ids))
                       .values(did_well="", do_better="", custom_answer="",
                               updated_at=Feedback.updated_at))
    db.session.execute(update(Goal).where(Goal.invitation_id.in_(invitation_ids))
                       .values(aim="", organiser_comment="", updated_at=Goal.updated_at))
    messages = select(Message.id).where(Message.invitation_id.in_(invitation_ids))
    db.session.execute(delete(Attachment).where(Attachment.message_id.in_(messages)))
    db.session.execute(delete(Message).where(Message.invitation_id.in_(invitation_ids),
                                             Message.status != MessageStatus.SENT))
    # What came back from the guest keeps its kind and outcome (the organiser's counts),
    # not who wrote it or what it said.
    db.session.execute(update(IncomingMail).where(
        IncomingMail.invitation_id.in_(invitation_ids)).values(
        sender="", subject="", attendee="", detail=""))
    db.session.execute(update(Message).where(Message.invitation_id.in_(invitation_ids))
                       .values(recipient="erased@invalid", recipient_name="", body_text="",
                               body_html="", last_error=""))
    db.session.expire_all()
    announce_places_changed(invitation_ids, "erased")
    return len(invitation_ids)


def erase_contact(contact: Contact, now: datetime, actor: Organiser | None) -> None:
    """Erase a contact's personal data; their anonymous answers, check-ins, scores and
    times stay, so every count and NPS stays as it was. Their links stop working. The
    audit trail keeps that ``actor`` (None: the system) erased them, and forgets the old
    and new values of the contact's earlier changes (which fields changed stays)."""
    if contact.erased_at is not None:
        raise AlreadyErased()
    _forget_audited_values(contact)
    record(contact.workspace_id, actor, "contact.erased", contact_id=contact.id)
    db.session.flush()  # before anything below expires the session's objects
    withdraw_from_waitlists(contact, now)
    invitation_ids = list(db.session.scalars(
        select(Invitation.id).where(Invitation.contact_id == contact.id)))
    contact_erased.send(current_app._get_current_object(), contact=contact,
                        invitation_ids=invitation_ids, whole_contact=True)
    anonymise_invitations(invitation_ids, now)
    db.session.execute(delete(Note).where(Note.contact_id == contact.id))
    contact = db.session.get(Contact, contact.id)
    for name, value in _erased_contact(str(ERASED_NAME), f"erased-{contact.id}@invalid",
                                       now).items():
        setattr(contact, name, value)
    contact.tags = []
    db.session.flush()


def _forget_audited_values(contact: Contact) -> None:
    """The trail's lines about the contact keep what was done and which fields changed,
    not the values (their old name, address, notes...)."""
    for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.workspace_id == contact.workspace_id,
            AuditEntry.contact_id == contact.id)):
        if entry.details:
            entry.details = {name: None for name in entry.details}


def _erased_contact(name: str, email: str, now: datetime) -> dict:
    """What erasure leaves of a contact: a placeholder name and an address that reaches
    nobody, nothing else about the person, and when it happened."""
    return {"name": name, "email": email, "phone": "", "job_title": "", "language": "",
            "dietary_notes": "",
            "notes": "", "email_bounced_at": None, "email_bounce_reason": "",
            "external_id": None, "erased_at": now}


def request_erasure(invitation: Invitation, now: datetime) -> bool:
    """The guest asks to be forgotten: noted on the contact and emailed to the host.
    Asking twice sends nothing more; returns whether this was a new request."""
    contact = invitation.contact
    if contact.erasure_requested_at is not None or contact.erased_at is not None:
        return False
    contact.erasure_requested_at = now
    event = invitation.event
    if event.host_email:
        queue_email(  # the name only in the body, which erasure removes
            kind="erasure_request", to=event.host_email, to_name=event.host_name,
            subject=_l("A guest of %(title)s asks to be forgotten", title=event.title),
            template="erasure_request", language=event.owner.language, event_id=event.id,
            invitation_id=invitation.id, event=event, contact=contact,
            link=absolute_url("relationships.contact_page", contact_id=contact.id))
    db.session.flush()
    return True


def purge_old_events(now: datetime, retention_days: int) -> int:
    """For ``flask privacy purge``: erase the personal data of the guests of events that
    ended more than ``retention_days`` ago, as erasure does, and keep the figures. Returns
    how many invitations; running it again changes nothing more."""
    ended = (select(Activity.event_id).group_by(Activity.event_id)
             .having(func.max(Activity.ends_at) < now - timedelta(days=retention_days)))
    rows = db.session.execute(select(Invitation.id, Invitation.contact_id).where(
        Invitation.event_id.in_(ended), Invitation.anonymised_at.is_(None))
        .order_by(Invitation.id)).all()
    ids = [row.id for row in rows]
    _announce_purged(rows)
    anonymise_invitations(ids, now)
    _give_erased_contacts(ids, now)
    return len(ids)


def _announce_purged(rows) -> None:
    """``contacts_purged`` for the contacts whose invitations are purged, before; one
    signal for them all."""
    by_contact: dict[int, list[int]] = {}
    for row in rows:
        by_contact.setdefault(row.contact_id, []).append(row.id)
    if not by_contact:
        return
    contacts = list(db.session.scalars(select(Contact).where(
        Contact.id.in_(by_contact)).order_by(Contact.id)))
    contacts_purged.send(current_app._get_current_object(), contacts=contacts,
                         invitation_ids=by_contact)


def _give_erased_contacts(invitation_ids: list[int], now: datetime) -> None:
    """Pass each invitation to an erased contact of its own (what erasure leaves of a
    contact), so its answers, scores and times name nobody; the guest's own contact keeps
    their newer events."""
    rows = db.session.execute(
        select(Invitation.id, Contact.workspace_id, Contact.company_id, Organiser.language)
        .join(Contact, Contact.id == Invitation.contact_id)
        .join(Event, Event.id == Invitation.event_id)
        .join(Organiser, Organiser.id == Event.owner_id)
        .where(Invitation.id.in_(invitation_ids)).order_by(Invitation.id)).all()
    if not rows:
        return
    names = {}
    for language in {row.language for row in rows}:
        with force_locale(language):
            names[language] = str(ERASED_NAME)
    contact_ids = db.session.scalars(
        insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
        [{"workspace_id": row.workspace_id, "company_id": row.company_id,
          **_erased_contact(names[row.language], f"erased-invitation-{row.id}@invalid", now)}
         for row in rows]).all()
    db.session.execute(update(Invitation), [
        {"id": row.id, "contact_id": contact_id}
        for row, contact_id in zip(rows, contact_ids, strict=True)])
    db.session.expire_all()

"""The relationship memory: a contact's and a company's whole history with us, notes, and
the guests of the next event who need looking after.

Every function here runs a fixed number of queries, whatever the length of the history, and
takes the viewer: what it shows comes only from events the viewer may see
(``access.visible_event_ids``), so nothing links to a page that answers 404 for them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from eventplanner.access import Action, may, may_open_contact, visible_event_ids
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.errors import Forbidden, InvalidInput, NotFound
from eventplanner.events.models import Activity, ActivityKind, Event
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, Note
from eventplanner.feedback.nps import NpsSummary, is_detractor, is_promoter, nps_summary
from eventplanner.goals.models import Goal, Result, ResultStatus
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.timezones import wall_clock

#: After this long without coming, a guest is one to look after.
LONG_ABSENCE = timedelta(days=365)
NOTE_MAX_LENGTH = 2000


class BadNote(InvalidInput):
    """A note that cannot be kept as written."""


# --- a contact's history ----------------------------------------------------------------

@dataclass(frozen=True)
class RaceLine:
    """A timed part the guest joined: their goal, their result, and whether it was a PB."""

    activity: Activity
    goal: Goal | None
    result: Result | None
    personal_best: bool = False


@dataclass(frozen=True)
class Visit:
    """One event the contact was invited to, and what came of it."""

    invitation: Invitation
    ended: bool
    answers: list[tuple[Activity, AnswerStatus | None]]
    races: list[RaceLine]
    feedback: Feedback | None

    @property
    def event(self) -> Event:
        return self.invitation.event

    @property
    def came(self) -> bool:
        return self.ended and self.invitation.came


@dataclass(frozen=True)
class RaceProgression:
    """A race over the years (the same part name in a series): each finish, PBs marked."""

    name: str
    series_name: str
    #: (event, seconds or None for DNF/DNS, status, personal best), oldest first.
    races: list[tuple[Event, int | None, ResultStatus, bool]]


@dataclass(frozen=True)
class ContactHistory:
    contact: Contact
    #: Newest first.
    visits: list[Visit]
    progressions: list[RaceProgression]
    notes: list[Note]

    @property
    def last_attended(self) -> datetime | None:
        return max((v.event.ends_at for v in self.visits if v.came), default=None)

    @property
    def attended_count(self) -> int:
        return sum(1 for v in self.visits if v.came)


def _race_key(event: Event, activity: Activity) -> tuple:
    """Races are the same race across editions of a series when their names match."""
    return (event.series_id or f"event-{event.id}", activity.name.strip().lower())


def contact_history(contact: Contact, viewer: Organiser, now: datetime) -> ContactHistory:
    """Every event the contact was invited to that ``viewer`` may see, newest first, with
    answers, goals and results (personal bests marked), feedback, and the dated notes."""
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.contact_id == contact.id,
                                 Invitation.event_id.in_(visible_event_ids(viewer)))
        .options(joinedload(Invitation.event).selectinload(Event.activities),
                 joinedload(Invitation.event).joinedload(Event.series),
                 subqueryload(Invitation.responses),
                 subqueryload(Invitation.check_ins))).unique())
    ids = [i.id for i in invitations]
    goals = {(g.invitation_id, g.activity_id): g
             for g in db.session.scalars(select(Goal).where(Goal.invitation_id.in_(ids)))}
    results = {(r.invitation_id, r.activity_id): r
               for r in db.session.scalars(select(Result).where(Result.invitation_id.in_(ids)))}
    feedback = {f.invitation_id: f for f in db.session.scalars(
        select(Feedback).where(Feedback.invitation_id.in_(ids))
        .options(selectinload(Feedback.ratings)))}
    invitations.sort(key=lambda i: (i.event.starts_at is None, i.event.starts_at or now))

    best_so_far: dict[tuple, int] = {}
    progressions: dict[tuple, RaceProgression] = {}
    visits = []
    for invitation in invitations:  # oldest first, so a PB compares with earlier races
        event = invitation.event
        races = []
        for activity in event.activities:
            key = (invitation.id, activity.id)
            if activity.kind is not ActivityKind.TIMED or (
                    key not in goals and key not in results):
                continue
            result = results.get(key)
            personal_best = False
            if result is not None:
                race = _race_key(event, activity)
                earlier = best_so_far.get(race)
                if result.status is ResultStatus.FINISHED:
                    personal_best = earlier is not None and result.time_seconds < earlier
                    best_so_far[race] = min(earlier or result.time_seconds,
                                            result.time_seconds)
                progression = progressions.setdefault(race, RaceProgression(
                    activity.name, event.series.name if event.series else event.title, []))
                progression.races.append(
                    (event, result.time_seconds, result.status, personal_best))
            races.append(RaceLine(activity, goals.get(key), result, personal_best))
        visits.append(Visit(
            invitation=invitation, ended=event.ends_at is not None and event.ends_at < now,
            answers=[(a, invitation.answer_for(a)) for a in event.activities],
            races=races, feedback=feedback.get(invitation.id)))
    visits.reverse()
    return ContactHistory(contact, visits, list(progressions.values()),
                          notes_about(viewer, contact=contact))


# --- a company's history ----------------------------------------------------------------

@dataclass(frozen=True)
class CompanyYear:
    year: int
    invited: int
    came: int
    nps: NpsSummary
    average_score: float | None


@dataclass(frozen=True)
class CompanyPerson:
    contact: Contact
    last_attended: datetime | None
    #: Their latest recommend score and the event they gave it for.
    last_score: int | None
    last_score_event: Event | None


@dataclass(frozen=True)
class CompanyHistory:
    company: Company
    people: list[CompanyPerson]
    #: Oldest first: ended events only.
    years: list[CompanyYear]
    notes: list[Note]

    @property
    def promoters(self) -> list[CompanyPerson]:
        return [p for p in self.people if p.last_score is not None and is_promoter(p.last_score)]

    @property
    def detractors(self) -> list[CompanyPerson]:
        return [p for p in self.people
                if p.last_score is not None and is_detractor(p.last_score)]


def _event_ends():
    """SQL subquery: each event's id and the end of its last part."""
    return (select(Activity.event_id, func.max(Activity.ends_at).label("ends_at"))
            .group_by(Activity.event_id).subquery())


def company_history(company: Company, viewer: Organiser, now: datetime) -> CompanyHistory:
    """The company's contacts with their last visit and score, attendance and NPS per year
    (of ended events ``viewer`` may see), promoters and detractors by their latest score
    there, and notes."""
    contacts = list(db.session.scalars(
        select(Contact).where(Contact.company_id == company.id).order_by(Contact.name)))
    ends = _event_ends()
    invitations = list(db.session.scalars(
        select(Invitation).join(ends, ends.c.event_id == Invitation.event_id)
        .where(Invitation.contact_id.in_([c.id for c in contacts]), ends.c.ends_at < now,
               Invitation.event_id.in_(visible_event_ids(viewer)))
        .options(joinedload(Invitation.event).selectinload(Event.activities),
                 subqueryload(Invitation.responses),
                 subqueryload(Invitation.check_ins))).unique())
    feedback = {f.invitation_id: f for f in db.session.scalars(
        select(Feedback).where(Feedback.invitation_id.in_([i.id for i in invitations])))}

    by_year: dict[int, list[Invitation]] = defaultdict(list)
    last_attended: dict[int, datetime] = {}
    last_feedback: dict[int, tuple[datetime, Feedback, Event]] = {}
    for invitation in invitations:
        event = invitation.event
        by_year[wall_clock(event.starts_at, event.timezone).year].append(invitation)
        if invitation.came:
            last_attended[invitation.contact_id] = max(
                event.ends_at, last_attended.get(invitation.contact_id, event.ends_at))
        given = feedback.get(invitation.id)
        if given is not None:
            latest = last_feedback.get(invitation.contact_id)
            if latest is None or latest[0] < event.ends_at:
                last_feedback[invitation.contact_id] = (event.ends_at, given, event)
    years = []
    for year in sorted(by_year):
        scores = [feedback[i.id].score for i in by_year[year] if i.id in feedback]
        years.append(CompanyYear(
            year=year, invited=len(by_year[year]),
            came=sum(1 for i in by_year[year] if i.came), nps=nps_summary(scores),
            average_score=sum(scores) / len(scores) if scores else None))
    people = []
    for contact in contacts:
        latest = last_feedback.get(contact.id)
        people.append(CompanyPerson(
            contact, last_attended.get(contact.id),
            latest[1].score if latest else None, latest[2] if latest else None))
    return CompanyHistory(company, people, years, notes_about(viewer, company=company))


# --- the next event's guests to look after ----------------------------------------------

@dataclass(frozen=True)
class GuestToLookAfter:
    invitation: Invitation
    #: Invited before, but not come for more than a year (or never).
    long_absent: bool
    #: When they last came, or None if they never came to an earlier event.
    last_attended: datetime | None
    #: Set when their latest feedback was a detractor's score.
    detractor_score: int | None = None
    detractor_event: Event | None = None
    #: Whether the viewer may open the contact's page (their own contact).
    contact_page: bool = False


@dataclass(frozen=True)
class EarlierVisits:
    """What the team knows of guests' earlier events (those a viewer may see), by contact."""

    #: Contacts invited to an earlier event that has ended.
    invited_before: set[int]
    #: When each contact last came, and how many earlier events they came to.
    last_attended: dict[int, datetime]
    times_came: dict[int, int]
    #: Each contact's latest feedback at another event, with that event.
    latest_feedback: dict[int, tuple[Feedback, Event]]


def earlier_visits(event: Event, contact_ids: list[int], viewer: Organiser,
                   now: datetime) -> EarlierVisits:
    """The earlier events of these contacts (other than ``event``, ended, visible to
    ``viewer``): whether they were invited, when they last came and how often, and their
    latest feedback. Three queries, whatever the number of contacts."""
    ends = _event_ends()
    elsewhere = (Invitation.contact_id.in_(contact_ids), Invitation.event_id != event.id,
                 Invitation.event_id.in_(visible_event_ids(viewer)))
    earlier = (select(Invitation.contact_id, func.max(ends.c.ends_at),
                      func.count(Invitation.id))
               .join(ends, ends.c.event_id == Invitation.event_id)
               .where(*elsewhere, ends.c.ends_at < now).group_by(Invitation.contact_id))
    invited_before = {contact_id for contact_id, _end, _count in db.session.execute(earlier)}
    last_attended, times_came = {}, {}
    for contact_id, ended, count in db.session.execute(earlier.where(Invitation.came)):
        last_attended[contact_id], times_came[contact_id] = ended, count
    latest: dict[int, tuple[datetime, Feedback, Event]] = {}
    for feedback, contact_id, ended, past_event in db.session.execute(
            select(Feedback, Invitation.contact_id, ends.c.ends_at, Event)
            .join(Invitation, Invitation.id == Feedback.invitation_id)
            .join(ends, ends.c.event_id == Invitation.event_id)
            .join(Event, Event.id == Invitation.event_id)
            .where(*elsewhere)):
        if contact_id not in latest or latest[contact_id][0] < ended:
            latest[contact_id] = (ended, feedback, past_event)
    return EarlierVisits(invited_before, last_attended, times_came,
                         {contact_id: (feedback, past_event)
                          for contact_id, (_ended, feedback, past_event) in latest.items()})


def guests_to_look_after(event: Event, viewer: Organiser,
                         now: datetime) -> list[GuestToLookAfter]:
    """Invited guests of ``event`` who have not come for more than a year (or never came
    though invited before), and those whose latest feedback was a detractor's (0-6).
    Earlier events count only where ``viewer`` may see them."""
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact).joinedload(Contact.company))).unique())
    earlier = earlier_visits(event, [i.contact_id for i in invitations], viewer, now)
    guests = []
    for invitation in invitations:
        contact_id = invitation.contact_id
        attended = earlier.last_attended.get(contact_id)
        absent = contact_id in earlier.invited_before and (
            attended is None or now - attended > LONG_ABSENCE)
        latest = earlier.latest_feedback.get(contact_id)
        detractor = latest is not None and is_detractor(latest[0].score)
        if absent or detractor:
            guests.append(GuestToLookAfter(
                invitation, absent, attended, latest[0].score if detractor else None,
                latest[1] if detractor else None,
                may_open_contact(viewer, invitation.contact)))
    guests.sort(key=lambda g: (g.detractor_score is None, g.invitation.contact.name.lower()))
    return guests


# --- notes ------------------------------------------------------------------------------

def notes_about(viewer: Organiser, contact: Contact | None = None,
                company: Company | None = None) -> list[Note]:
    """The notes about a contact or a company that ``viewer`` may read, the latest first,
    with their authors: the team's notes and the viewer's own private ones (never another
    member's private note)."""
    subject = (Note.contact_id == contact.id) if contact else (Note.company_id == company.id)
    return list(db.session.scalars(
        select(Note).where(subject, note_readable_by(viewer))
        .options(joinedload(Note.author))
        .order_by(Note.noted_on.desc(), Note.id.desc())))


def note_readable_by(viewer: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Note``: a team note, or a private one ``viewer`` wrote."""
    return or_(Note.private.is_(False), Note.author_id == viewer.id)


def add_note(text: str, noted_on: date, contact: Contact | None = None,
             company: Company | None = None, *, author: Organiser | None = None,
             private: bool = False) -> Note:
    """Keep a dated note about a contact or a company (exactly one of them), written by
    ``author``; a ``private`` note is for its author only."""
    text = (text or "").strip()
    if not text:
        raise BadNote(_l("Write the note first."))
    if len(text) > NOTE_MAX_LENGTH:
        raise BadNote(_l("A note is at most %(num)d characters.", num=NOTE_MAX_LENGTH))
    if private and author is None:
        raise BadNote(_l("A private note needs its author."))
    note = Note(contact=contact, company=company, noted_on=noted_on, text=text,
                author=author, private=private)
    db.session.add(note)
    db.session.flush()
    return note


def get_note_about(note_id: int, viewer: Organiser, contact: Contact | None = None,
                   company: Company | None = None) -> Note:
    """The note, if it is about this contact or company and ``viewer`` may read it;
    ``NotFound`` otherwise (another member's private note is not known to exist)."""
    note = db.session.get(Note, note_id)
    owner_matches = (note is not None and (
        (contact is not None and note.contact_id == contact.id)
        or (company is not None and note.company_id == company.id)))
    if not owner_matches or (note.private and note.author_id != viewer.id):
        raise NotFound()
    return note


def may_delete_note(viewer: Organiser, note: Note) -> bool:
    """Its author may delete a note; so may a member who manages members (an admin or
    owner) if it is a team note."""
    if note.author_id is not None and note.author_id == viewer.id:
        return True
    return not note.private and may(viewer, Action.MANAGE_MEMBERS)


def delete_note(note: Note, actor: Organiser) -> None:
    """Delete a note; ``Forbidden`` unless ``actor`` may (``may_delete_note``)."""
    if not may_delete_note(actor, note):
        raise Forbidden(_l("Only the author of a note, or an admin, may delete it."))
    db.session.delete(note)
    db.session.flush()

"""A host's briefing: each guest they look after at an event, and what the team knows of them.

One read model (``briefing_for``) feeds the page, the printable PDF and the email, in a fixed
number of queries whatever the number of guests. What it shows of other events comes only
from events the reader may see (``access.visible_event_ids``), and notes only as the reader
may read them (a team note, or their own private one). Nothing here is shown to guests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event, EventHost
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, Note
from eventplanner.feedback.relationships import earlier_visits, note_readable_by
from eventplanner.gifts.models import Gift
from eventplanner.goals.models import Goal, Result
from eventplanner.goals.services import earlier_bests
from eventplanner.invitations.hosts import guests_by_host
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.questions.models import Question
from eventplanner.questions.services import answers_by_person, person_label
from eventplanner.seating.models import DinnerTable, SeatPlace

#: Answers that mean the guest is expected at a part (or may be).
COMING = (AnswerStatus.YES, AnswerStatus.MAYBE)


@dataclass(frozen=True)
class RaceNote:
    """A timed part the guest joins: their goal, their best before, their result."""

    activity: Activity
    goal: Goal | None
    #: The best time the team knows of from earlier editions, or the one the guest gave.
    best_before: int | None
    result: Result | None

    @property
    def personal_best(self) -> bool:
        """Finished faster than any time known before (a first finish is not a PB)."""
        return (self.result is not None and self.result.time_seconds is not None
                and self.best_before is not None and self.result.time_seconds < self.best_before)


@dataclass(frozen=True)
class GuestBriefing:
    """One guest as their host needs to know them."""

    invitation: Invitation
    answers: list[tuple[Activity, Response | None]]
    races: list[RaceNote]
    #: Earlier events they came to (visible to the reader), and when they last came.
    times_came: int
    last_came: datetime | None
    invited_before: bool
    latest_feedback: Feedback | None
    latest_feedback_event: Event | None
    notes: list[Note]
    gifts: list[Gift]
    #: Others from their company invited to the event who come (yes or maybe).
    colleagues: list[Invitation]
    #: Their answers to the organiser's questions, per person: (0 for the guest, k for
    #: their k-th plus-one; the person's name; [(question, answer)]).
    question_answers: list[tuple[int, str, list[tuple[Question, str]]]] = field(
        default_factory=list)
    #: Where they sit: (part, table name) for each part with a table plan that seats them.
    tables: list[tuple[Activity, str]] = field(default_factory=list)

    @property
    def contact(self) -> Contact:
        return self.invitation.contact

    @property
    def first_time(self) -> bool:
        """Never came to an earlier event that the reader may see."""
        return self.times_came == 0

    def years_away(self, now: datetime) -> int:
        """Whole years since they last came (0 when within a year, or never)."""
        if self.last_came is None:
            return 0
        return int((now - self.last_came) / timedelta(days=365.25))

    @property
    def is_coming(self) -> bool:
        return any(response is not None and response.status in COMING
                   for _activity, response in self.answers)


@dataclass(frozen=True)
class Briefing:
    event: Event
    host: Organiser
    guests: list[GuestBriefing] = field(default_factory=list)

    @property
    def coming(self) -> list[GuestBriefing]:
        return [guest for guest in self.guests if guest.is_coming]


def hosting_row(event: Event, organiser_id: int) -> EventHost | None:
    """The member's place among the event's hosts, or None if they do not host it."""
    return db.session.get(EventHost, (event.id, organiser_id))


def briefing_for(event: Event, host: Organiser, reader: Organiser,
                 now: datetime) -> Briefing:
    """The briefing of ``host`` at ``event`` as ``reader`` may see it: each guest the host
    looks after (``invitations.hosts``), by name, with their answers per part, plus-ones,
    dietary needs, goals and earlier results, how often and when they came before, their
    latest feedback, the notes and gifts about them and their company, and who from their
    company comes too. The workspace's notes and gifts are for its members: a person the
    event is shared with from outside sees the rest."""
    _hosts, grouped = guests_by_host(event)
    guests = grouped.get(host.id, [])
    if not guests:
        return Briefing(event, host)
    ids = [guest.id for guest in guests]
    contact_ids = [guest.contact_id for guest in guests]
    company_ids = {guest.contact.company_id for guest in guests} - {None}
    responses = _by_invitation(db.session.scalars(
        select(Response).where(Response.invitation_id.in_(ids))))
    goals = _by_invitation(db.session.scalars(
        select(Goal).where(Goal.invitation_id.in_(ids))))
    results = _by_invitation(db.session.scalars(
        select(Result).where(Result.invitation_id.in_(ids))))
    timed = [activity for activity in event.activities if activity.is_timed]
    bests = {activity.id: earlier_bests(activity, contact_ids, reader) for activity in timed}
    earlier = earlier_visits(event, contact_ids, reader, now)
    member = reader.workspace_id == event.workspace_id
    notes = _notes(reader, contact_ids, company_ids) if member else defaultdict(list)
    gifts = _gifts(event.workspace_id, contact_ids, company_ids) if member \
        else defaultdict(list)
    colleagues = _coming_by_company(event, company_ids)
    answered = answers_by_person(event, ids)
    seated = _tables_of(ids)
    briefings = []
    for guest in guests:
        contact = guest.contact
        answers = [(a, _of_part(responses[guest.id], a)) for a in event.activities]
        races = []
        for activity in timed:
            response = _of_part(responses[guest.id], activity)
            if response is None or response.status not in COMING:
                continue
            goal = _of_part(goals[guest.id], activity)
            known = [t for t in (bests[activity.id].get(contact.id),
                                 goal.previous_best_seconds if goal else None) if t]
            races.append(RaceNote(activity, goal, min(known, default=None),
                                  _of_part(results[guest.id], activity)))
        feedback, feedback_event = earlier.latest_feedback.get(contact.id, (None, None))
        company_id = contact.company_id
        briefings.append(GuestBriefing(
            invitation=guest, answers=answers, races=races,
            times_came=earlier.times_came.get(contact.id, 0),
            last_came=earlier.last_attended.get(contact.id),
            invited_before=contact.id in earlier.invited_before,
            latest_feedback=feedback, latest_feedback_event=feedback_event,
            notes=notes[("contact", contact.id)] + notes[("company", company_id)],
            gifts=gifts[("contact", contact.id)] + gifts[("company", company_id)],
            colleagues=[c for c in colleagues[company_id] if c.id != guest.id]
            if company_id else [],
            question_answers=[(person, person_label(guest, person),
                               answered[(guest.id, person)])
                              for person in range(len(guest.plus_one_names or []) + 1)
                              if (guest.id, person) in answered],
            tables=[(a, seated[(guest.id, a.id)]) for a in event.activities
                    if (guest.id, a.id) in seated]))
    return Briefing(event, host, briefings)


def _by_invitation(rows) -> defaultdict[int, list]:
    grouped: defaultdict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.invitation_id].append(row)
    return grouped


def _of_part(rows: list, activity: Activity):
    return next((row for row in rows if row.activity_id == activity.id), None)


def _tables_of(invitation_ids: list[int]) -> dict[tuple[int, int], str]:
    """(invitation id, part id) -> the name of the table the guest sits at."""
    return {(invitation_id, activity_id): name for invitation_id, activity_id, name in
            db.session.execute(
                select(SeatPlace.invitation_id, SeatPlace.activity_id, DinnerTable.name)
                .join(DinnerTable, DinnerTable.id == SeatPlace.table_id)
                .where(SeatPlace.invitation_id.in_(invitation_ids), SeatPlace.person == 0))}


def _notes(reader: Organiser, contact_ids: list[int],
           company_ids: set[int]) -> defaultdict[tuple, list[Note]]:
    grouped: defaultdict[tuple, list[Note]] = defaultdict(list)
    for note in db.session.scalars(
            select(Note).where(or_(Note.contact_id.in_(contact_ids),
                                   Note.company_id.in_(company_ids)),
                               note_readable_by(reader))
            .options(joinedload(Note.author))
            .order_by(Note.noted_on.desc(), Note.id.desc())):
        key = ("contact", note.contact_id) if note.contact_id else ("company", note.company_id)
        grouped[key].append(note)
    return grouped


def _gifts(workspace_id: int, contact_ids: list[int],
           company_ids: set[int]) -> defaultdict[tuple, list[Gift]]:
    """Gifts to or from each contact, and to or from each company as a whole."""
    grouped: defaultdict[tuple, list[Gift]] = defaultdict(list)
    for gift in db.session.scalars(
            select(Gift).where(Gift.workspace_id == workspace_id, or_(
                Gift.contact_id.in_(contact_ids),
                and_(Gift.contact_id.is_(None), Gift.company_id.in_(company_ids))))
            .options(joinedload(Gift.member))
            .order_by(Gift.given_on.desc(), Gift.id.desc())):
        key = ("contact", gift.contact_id) if gift.contact_id else ("company", gift.company_id)
        grouped[key].append(gift)
    return grouped


def _coming_by_company(event: Event, company_ids: set[int]) -> defaultdict[int, list]:
    """The event's guests of these companies who come to a part (yes or maybe), by name."""
    grouped: defaultdict[int, list[Invitation]] = defaultdict(list)
    if not company_ids:
        return grouped
    for invitation in db.session.scalars(
            select(Invitation).join(Contact, Contact.id == Invitation.contact_id)
            .where(Invitation.event_id == event.id, Invitation.revoked_at.is_(None),
                   Contact.company_id.in_(company_ids),
                   Invitation.responses.any(Response.status.in_(COMING)))
            .options(joinedload(Invitation.contact))
            .order_by(Contact.name, Invitation.id)):
        grouped[invitation.contact.company_id].append(invitation)
    return grouped


def hosted_events(member: Organiser, now: datetime) -> list[tuple[Event, int]]:
    """The events of the member's workspace that they host and that have not ended, with
    how many guests they look after there (the dashboard's "You host")."""
    events = list(db.session.scalars(
        select(Event).join(EventHost, EventHost.event_id == Event.id)
        .where(EventHost.organiser_id == member.id,
               Event.workspace_id == (member.workspace_id or 0))
        .options(selectinload(Event.activities))))
    upcoming = [e for e in events if e.ends_at is None or e.ends_at >= now]
    upcoming.sort(key=lambda e: (e.starts_at or now, e.id))
    return [(event, len(guests_by_host(event)[1].get(member.id, []))) for event in upcoming]

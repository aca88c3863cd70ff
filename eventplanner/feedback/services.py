"""Collecting feedback after an event: who is asked, what they may answer, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from eventplanner.access import visible_event_ids
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Contact
from eventplanner.errors import InvalidInput, InvalidState
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, PartRating
from eventplanner.feedback.nps import (
    NpsSummary,
    nps_group_label,
    nps_summary,
    score_distribution,
)
from eventplanner.feedback.signals import feedback_received
from eventplanner.formatting import format_moment
from eventplanner.invitations.guest_mail import GuestMailBatch
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.timezones import local_to_utc, wall_clock

#: How long after the event a guest may give or change their feedback.
FEEDBACK_WINDOW = timedelta(days=14)


class FeedbackNotOpen(InvalidState):
    default_message = _l("Feedback opens when the event has ended.")


class FeedbackClosed(InvalidState):
    default_message = _l("Feedback for this event has closed: it was open for 14 days.")


class BadFeedback(InvalidInput):
    """Feedback that does not fit the form (a score out of range, a part not attended)."""


@dataclass(frozen=True)
class FeedbackAnswer:
    score: int
    ratings: dict[int, int] = field(default_factory=dict)
    did_well: str = ""
    do_better: str = ""
    invite_again: bool | None = None
    custom_answer: str = ""
    custom_rating: int | None = None


def parts_attended(invitation: Invitation) -> list[Activity]:
    """The parts the guest came to: where they were checked in, if the event used check-in;
    otherwise those they said yes to."""
    if invitation.event.check_in_used:
        checked_in = {c.activity_id for c in invitation.check_ins}
        return [a for a in invitation.event.activities if a.id in checked_in]
    return [a for a in invitation.event.activities
            if invitation.answer_for(a) is AnswerStatus.YES]


def feedback_window(event: Event) -> tuple[datetime, datetime] | None:
    """When feedback can be given: from the end of the event for 14 days."""
    if event.ends_at is None:
        return None
    return event.ends_at, event.ends_at + FEEDBACK_WINDOW


def check_feedback_open(event: Event, now: datetime) -> None:
    window = feedback_window(event)
    if window is None or now < window[0]:
        raise FeedbackNotOpen()
    if now > window[1]:
        raise FeedbackClosed()


def feedback_of(invitation: Invitation) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.invitation_id == invitation.id)
                             .options(selectinload(Feedback.ratings)))


def submit_feedback(invitation: Invitation, answer: FeedbackAnswer, now: datetime) -> Feedback:
    """Save (or change) a guest's feedback while it is open. Ratings only for parts they
    attended; a score 0-10; ratings 1-5."""
    event = invitation.event
    check_feedback_open(event, now)
    if not 0 <= answer.score <= 10:
        raise BadFeedback(_l("Choose a number from 0 to 10."))
    attended = {activity.id for activity in parts_attended(invitation)}
    if set(answer.ratings) - attended:
        raise BadFeedback(_l("You can only rate the parts you came to."))
    ratings = list(answer.ratings.values())
    if answer.custom_rating is not None:
        ratings.append(answer.custom_rating)
    if any(not 1 <= rating <= 5 for rating in ratings):
        raise BadFeedback(_l("A rating is from 1 to 5 stars."))
    feedback = feedback_of(invitation) or Feedback(invitation=invitation, submitted_at=now)
    feedback.score = answer.score
    feedback.did_well = answer.did_well.strip()[:5000]
    feedback.do_better = answer.do_better.strip()[:5000]
    feedback.invite_again = answer.invite_again
    feedback.custom_answer = answer.custom_answer.strip()[:5000]
    feedback.custom_rating = answer.custom_rating
    existing = {rating.activity_id: rating for rating in feedback.ratings}
    for activity_id, rating in existing.items():  # changed in place: no delete-then-insert
        if activity_id not in answer.ratings:
            feedback.ratings.remove(rating)
    for activity_id, value in sorted(answer.ratings.items()):
        if activity_id in existing:
            existing[activity_id].rating = value
        else:
            feedback.ratings.append(PartRating(activity_id=activity_id, rating=value))
    db.session.add(feedback)
    invitation.updated_at = now
    db.session.flush()
    feedback_received.send(current_app._get_current_object(), feedback=feedback)
    return feedback


def guests_of(event: Event) -> list[Invitation]:
    """Everyone invited whose link works, with contact, company and answers loaded."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.revoked_at.is_(None))
        .join(Invitation.contact).order_by(Contact.name, Invitation.id)
        .options(joinedload(Invitation.contact).joinedload(Contact.company),
                 subqueryload(Invitation.responses), subqueryload(Invitation.check_ins))
    ).unique())


def is_asked_for_feedback(invitation: Invitation) -> bool:
    """The organiser's tick if they set one; otherwise: ask those who came."""
    if invitation.feedback_wanted is not None:
        return invitation.feedback_wanted
    return invitation.came


def choose_feedback_recipients(event: Event, ticked_ids: set[int]) -> list[Invitation]:
    """Keep the organiser's list: the ticked are asked, the others are not. A tick that
    matches the default (asked if they came) is stored as no choice at all."""
    chosen = []
    for invitation in guests_of(event):
        ticked = invitation.id in ticked_ids
        invitation.feedback_wanted = None if ticked == invitation.came else ticked
        if ticked:
            chosen.append(invitation)
    db.session.flush()
    return chosen


def ask_for_feedback(event: Event, ticked_ids: set[int], now_too: bool,
                     now: datetime) -> int:
    """Keep the organiser's list and, with ``now_too``, ask those on it who were not asked
    yet. Returns how many were asked now."""
    choose_feedback_recipients(event, ticked_ids)
    return request_feedback(event, now) if now_too else 0


def request_feedback(event: Event, now: datetime) -> int:
    """Email a feedback request, in each guest's language, to everyone on the list (those
    who came, as the organiser adjusted it). Nobody is asked twice; returns how many were
    asked now."""
    check_feedback_open(event, now)
    if event.is_cancelled:
        raise InvalidState(_l("The event was cancelled: there is nothing to give feedback on."))
    people = [i for i in guests_of(event)
              if is_asked_for_feedback(i) and i.feedback_requested_at is None]
    for invitation in people:
        invitation.feedback_requested_at = now
    return _email_guests(event, people, "feedback_request",
                         _l("How was %(title)s?", title=event.title))


def _email_guests(event: Event, people: list[Invitation], kind: str, subject) -> int:
    batch = GuestMailBatch(event, kind, subject, link="rsvp.feedback")
    for invitation in people:
        batch.add(invitation)
    db.session.flush()
    return batch.write()


#: The hour (on the event's clock) at which requests scheduled for a later morning go out.
FEEDBACK_MORNING = time(9, 0)


def feedback_request_due_at(event: Event) -> datetime | None:
    """When the scheduled feedback request goes out: when the event ends, or at 09:00 on
    the chosen morning after; None when the organiser asks by hand."""
    days = event.feedback_request_days_after
    if days is None or event.ends_at is None:
        return None
    if days == 0:
        return event.ends_at
    morning = wall_clock(event.ends_at, event.timezone).date() + timedelta(days=days)
    return local_to_utc(datetime.combine(morning, FEEDBACK_MORNING), event.timezone)


def remind_about_feedback(event: Event, now: datetime) -> int:
    """Remind once those asked ``feedback_reminder_days`` ago who have not answered,
    while feedback is open."""
    days = event.feedback_reminder_days
    if days is None:
        return 0
    check_feedback_open(event, now)
    answered = _answered_ids(event)
    people = [i for i in guests_of(event)
              if i.feedback_requested_at is not None and i.feedback_reminded_at is None
              and i.feedback_requested_at <= now - timedelta(days=days)
              and i.id not in answered]
    for invitation in people:
        invitation.feedback_reminded_at = now
    return _email_guests(event, people, "feedback_reminder",
                         _l("Reminder: how was %(title)s?", title=event.title))


def _answered_ids(event: Event) -> set[int]:
    return set(db.session.scalars(
        select(Feedback.invitation_id).join(Invitation, Invitation.id == Feedback.invitation_id)
        .where(Invitation.event_id == event.id)))


def send_due_feedback(now: datetime) -> tuple[int, int]:
    """For ``flask mail send-due``: scheduled feedback requests whose time has come, and
    reminders to those who have not answered. Returns (requests, reminders)."""
    open_since = now - FEEDBACK_WINDOW
    recently_ended = (select(Activity.event_id).group_by(Activity.event_id)
                      .having(func.max(Activity.ends_at) >= open_since,
                              func.max(Activity.ends_at) <= now))
    events = db.session.scalars(
        select(Event).where(Event.status == EventStatus.PUBLISHED,
                            or_(Event.feedback_request_days_after.is_not(None),
                                Event.feedback_reminder_days.is_not(None)),
                            Event.id.in_(recently_ended))
        .options(selectinload(Event.activities)).order_by(Event.id))
    requests = reminders = 0
    for event in events:
        due_at = feedback_request_due_at(event)
        if due_at is not None and due_at <= now:
            requests += request_feedback(event, now)
        reminders += remind_about_feedback(event, now)
    return requests, reminders


@dataclass(frozen=True)
class FeedbackResults:
    #: Everyone invited (link not revoked), for the organiser's list of whom to ask.
    guests: list[Invitation]
    feedback: list[Feedback]
    nps: NpsSummary
    distribution: list[int]
    part_averages: list[tuple[Activity, float | None, int]]

    @property
    def answered_ids(self) -> set[int]:
        return {f.invitation_id for f in self.feedback}

    @property
    def listed_ids(self) -> set[int]:
        """Those on the list of whom to ask."""
        return {i.id for i in self.guests if is_asked_for_feedback(i)}

    @property
    def audience(self) -> list[Invitation]:
        """Those on the list, and anyone else who answered through their link."""
        counted = self.listed_ids | self.answered_ids
        return [i for i in self.guests if i.id in counted]

    @property
    def waiting(self) -> list[Invitation]:
        answered = self.answered_ids
        return [i for i in self.audience if i.id not in answered]


def feedback_of_event(event: Event) -> list[Feedback]:
    """Every guest's feedback, newest first, with name, company and ratings loaded."""
    return list(db.session.scalars(
        select(Feedback).join(Invitation, Invitation.id == Feedback.invitation_id)
        .where(Invitation.event_id == event.id)
        .options(joinedload(Feedback.invitation).joinedload(Invitation.contact)
                 .joinedload(Contact.company), subqueryload(Feedback.ratings))
        .order_by(Feedback.submitted_at.desc(), Feedback.id.desc())).unique())


def part_averages(event: Event, feedback: list[Feedback]
                  ) -> list[tuple[Activity, float | None, int]]:
    """Each part with its average rating (None without ratings) and how many rated it."""
    averages = []
    for activity in event.activities:
        ratings = [r.rating for f in feedback for r in f.ratings
                   if r.activity_id == activity.id]
        averages.append((activity, sum(ratings) / len(ratings) if ratings else None,
                         len(ratings)))
    return averages


def feedback_results(event: Event) -> FeedbackResults:
    """The event's feedback: NPS with counts, the scores' spread, each part's average,
    every comment with the guest's name and company, and who has not answered yet."""
    feedback = feedback_of_event(event)
    scores = [f.score for f in feedback]
    return FeedbackResults(
        guests=guests_of(event), feedback=feedback, nps=nps_summary(scores),
        distribution=score_distribution(scores), part_averages=part_averages(event, feedback))


def feedback_rows(event: Event, feedback: list[Feedback]) -> list[list]:
    """The event's feedback as spreadsheet rows: a header, then a row per guest."""
    yes_no = {True: _("Yes"), False: _("No"), None: ""}
    header = [_("Name"), _("Email"), _("Company"), _("Score (0-10)"), _("Group")]
    header += [_("Rating: %(part)s", part=activity.name) for activity in event.activities]
    header += [_("What we did well"), _("What we could do better")]
    header += [event.feedback_question] if event.feedback_question else []
    header += [_("Invite again"), _("Answered")]
    rows = [header]
    for item in feedback:
        contact = item.invitation.contact
        row = [contact.name, contact.email, contact.company.name if contact.company else "",
               item.score, nps_group_label(item.score)]
        row += [item.rating_for(activity) or "" for activity in event.activities]
        row += [item.did_well, item.do_better]
        if event.feedback_question:
            row.append(item.custom_rating or item.custom_answer)
        row += [yes_no[item.invite_again], format_moment(item.updated_at, event.timezone)]
        rows.append(row)
    return rows


@dataclass(frozen=True)
class EditionFeedback:
    """One edition of a series, in figures: for the side-by-side trend."""

    event: Event
    nps: NpsSummary
    #: Part name -> average rating; parts are matched across editions by name.
    part_averages: dict[str, float]


def series_feedback_trend(event: Event, organiser: Organiser) -> list[EditionFeedback]:
    """The figures of every edition of the event's series the organiser can see, oldest
    first, up to this one. Two queries, whatever the number of editions or answers."""
    if event.series_id is None:
        return []
    editions = [e for e in db.session.scalars(
        select(Event).where(Event.series_id == event.series_id,
                            Event.id.in_(visible_event_ids(organiser)))
        .options(selectinload(Event.activities)))
        if e.starts_at is not None and (event.starts_at is None
                                         or e.starts_at <= event.starts_at)]
    editions.sort(key=lambda e: e.starts_at)
    answers = db.session.execute(
        select(Invitation.event_id, Feedback)
        .join(Feedback, Feedback.invitation_id == Invitation.id)
        .where(Invitation.event_id.in_([e.id for e in editions]))
        .options(selectinload(Feedback.ratings))).all()
    by_event: dict[int, list[Feedback]] = {}
    for event_id, feedback in answers:
        by_event.setdefault(event_id, []).append(feedback)
    trend = []
    for edition in editions:
        feedback = by_event.get(edition.id, [])
        averages = {activity.name: average
                    for activity, average, _count in part_averages(edition, feedback)
                    if average is not None}
        trend.append(EditionFeedback(edition, nps_summary(f.score for f in feedback),
                                     averages))
    return trend

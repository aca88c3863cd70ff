"""Collecting feedback after an event: who is asked, what they may answer, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from eventplanner.contacts.models import Contact
from eventplanner.errors import DomainError, InvalidState
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.feedback.models import Feedback, PartRating
from eventplanner.feedback.nps import NpsSummary, nps_summary, score_distribution
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.mail.outbox import MailMerge
from eventplanner.urls import absolute_url

#: How long after the event a guest may give or change their feedback.
FEEDBACK_WINDOW = timedelta(days=14)


class FeedbackNotOpen(InvalidState):
    default_message = _l("Feedback opens when the event has ended.")


class FeedbackClosed(InvalidState):
    default_message = _l("Feedback for this event has closed: it was open for 14 days.")


class BadFeedback(DomainError):
    status_code = 422


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
    """The parts the guest came to: those they said yes to."""
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
    return feedback


def attendees(event: Event) -> list[Invitation]:
    """Who came: guests who said yes to at least one part (and whose link works)."""
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact), subqueryload(Invitation.responses))).unique()
    return [i for i in invitations
            if any(r.status is AnswerStatus.YES for r in i.responses)]


def request_feedback(event: Event, now: datetime,
                     invitation_ids: list[int] | None = None) -> int:
    """Email a feedback request to those who came (or the ones picked), in their language.
    Someone asked before is not asked again by this; returns how many were asked."""
    check_feedback_open(event, now)
    from eventplanner.invitations.services import invitation_token

    batch = MailMerge(event, "feedback_request",
                      _l("How was %(title)s?", title=event.title))
    people = attendees(event)
    if invitation_ids is not None:
        people = [i for i in people if i.id in set(invitation_ids)]
    for invitation in people:
        if invitation.feedback_requested_at is not None:
            continue
        batch.add(invitation_id=invitation.id, to=invitation.contact.email,
                  to_name=invitation.contact.name, language=invitation.guest_language,
                  link=absolute_url("rsvp.feedback", token=invitation_token(invitation)),
                  reply_to=event.host_email)
        invitation.feedback_requested_at = now
    db.session.flush()
    return batch.write()


@dataclass(frozen=True)
class FeedbackResults:
    asked: int
    feedback: list[Feedback]
    nps: NpsSummary
    distribution: list[int]
    part_averages: list[tuple[Activity, float | None, int]]
    waiting: list[Invitation]

    @property
    def response_rate(self) -> float | None:
        return len(self.feedback) / self.asked if self.asked else None


def feedback_results(event: Event) -> FeedbackResults:
    """The event's feedback: NPS with counts, the scores' spread, each part's average,
    every comment with the guest's name and company, and who has not answered yet."""
    feedback = list(db.session.scalars(
        select(Feedback).join(Invitation, Invitation.id == Feedback.invitation_id)
        .where(Invitation.event_id == event.id)
        .options(joinedload(Feedback.invitation).joinedload(Invitation.contact)
                 .joinedload(Contact.company), subqueryload(Feedback.ratings))
        .order_by(Feedback.submitted_at.desc())).unique())
    people = attendees(event)
    answered = {f.invitation_id for f in feedback}
    scores = [f.score for f in feedback]
    averages = []
    for activity in event.activities:
        ratings = [r.rating for f in feedback for r in f.ratings
                   if r.activity_id == activity.id]
        averages.append((activity, sum(ratings) / len(ratings) if ratings else None,
                         len(ratings)))
    return FeedbackResults(
        asked=len(people), feedback=feedback, nps=nps_summary(scores),
        distribution=score_distribution(scores), part_averages=averages,
        waiting=[i for i in people if i.id not in answered])

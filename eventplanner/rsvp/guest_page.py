"""The guest's page, GET /r/<token>, as one read model: ``guest_page`` reads everything
the page shows in four queries whatever the number of parts, and says which key the page
cache keeps it under and until when.

The page's content is a function of the invitation, its event's guest page version (moved
in the same transaction as every change to a row the page shows: ``page_versions``), the
page's variant and the time (the deadline, parts starting and ending). ``link_version``
reads the first two in one light query, before the page is read: data read after it is at
least as new as the version it names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from eventplanner.auth.models import Organiser
from eventplanner.calendar.services import calendar_links
from eventplanner.checkin.services import check_in_code, guest_needs_check_in_code
from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, ActivityKind, Event, GuestPageVersion
from eventplanner.extensions import db
from eventplanner.goals.services import (
    GoalCard,
    RaceRecords,
    Standing,
    goal_cards,
    race_records,
    results_for_guests,
)
from eventplanner.invitations.errors import LinkNotValid
from eventplanner.invitations.guest_calendar import guest_parts
from eventplanner.invitations.hosts import host_of_guest
from eventplanner.invitations.links import invitation_link
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.questions import services as questions
from eventplanner.questions.models import Question, QuestionAnswer
from eventplanner.tokens import looks_like_token, token_digest


def _digest(token: str) -> str:
    if not looks_like_token(token):
        raise LinkNotValid()
    return token_digest(token)


# --- the cache's key ----------------------------------------------------------------------

@dataclass(frozen=True)
class LinkVersion:
    """The invitation behind a link and its page's version: all a cached page needs."""

    invitation_id: int
    opened: bool
    version: int

    def page_key(self, saved: bool) -> tuple:
        return page_key(self.invitation_id, self.version, saved)


def page_key(invitation_id: int, version: int, saved: bool) -> tuple:
    """The page cache's key: everything but time that decides what the page shows."""
    return (invitation_id, version, saved)


_INVITATION, _VERSION = Invitation.__table__, GuestPageVersion.__table__
#: A Core statement on the tables, with one parameter. Every GET of a guest page runs it,
#: cached page or not, so it runs on a pooled DB-API connection (``Engine.raw_connection``)
#: as compiled once per database dialect: through a SQLAlchemy ``Connection`` its
#: transaction and result bookkeeping took 50 µs of the 380 µs a cached page costs.
LINK_VERSION = (
    select(_INVITATION.c.id, _INVITATION.c.opened_at.is_not(None),
           func.coalesce(_VERSION.c.version, literal_column("0")))
    .select_from(_INVITATION.outerjoin(_VERSION, _VERSION.c.event_id == _INVITATION.c.event_id))
    .where(_INVITATION.c.token_digest == bindparam("digest"),
           _INVITATION.c.revoked_at.is_(None)))


@functools.lru_cache(maxsize=8)
def _compiled_link_version(dialect: Dialect) -> str:
    return str(LINK_VERSION.compile(dialect=dialect))


def link_version(token: str) -> LinkVersion:
    """The invitation behind a link and its page's version; ``LinkNotValid`` for a wrong
    or revoked link. One light query."""
    digest = _digest(token)
    engine = db.engine
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_compiled_link_version(engine.dialect),
                       (digest,) if engine.dialect.positional else {"digest": digest})
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool, which ends the read
    if row is None:
        raise LinkNotValid()
    invitation_id, opened, version = row
    return LinkVersion(invitation_id, bool(opened), version)


# --- the page -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PartOnPage:
    """One part of the programme as this guest sees it."""

    activity: Activity
    answer: AnswerStatus | None
    #: 1 for the first in line; None unless the guest waits for a place.
    place_in_line: int | None
    #: Links that add the part to Google Calendar and Outlook.com; None when the part is
    #: not in the guest's calendar (they said no).
    calendar_links: tuple[str, str] | None


@dataclass(frozen=True)
class QuestionOnPage:
    """One of the organiser's questions as this guest reads it: in their language, with
    the choices offered (and a retired one they chose, which they keep)."""

    question: Question
    text: str
    #: (choice id, text) in the guest's language.
    choices: tuple[tuple[int, str], ...]

    @property
    def part(self) -> Activity | None:
        return self.question.activity

    def field_name(self, slot: int) -> str:
        """The input of the guest (slot 0) or of their plus-one in name field ``slot``."""
        return question_field_name(self.question.id, slot)


def question_field_name(question_id: int, slot: int) -> str:
    return f"question-{question_id}-{slot}"


def questions_on_page(invitation: Invitation, asked: list[Question],
                      answers: dict[tuple[int, int], QuestionAnswer]) -> list[QuestionOnPage]:
    """The event's questions in the guest's language."""
    language = invitation.guest_language
    chosen = {answer.choice_id for answer in answers.values()}
    return [QuestionOnPage(question, questions.in_language(
        question.text, question.translations, language), tuple(
        (choice.id, questions.in_language(choice.text, choice.translations, language))
        for choice in question.choices
        if choice.retired_at is None or choice.id in chosen)) for question in asked]


@dataclass(frozen=True)
class GuestPage:
    """Everything the guest page shows."""

    token: str
    invitation: Invitation
    #: The event's guest page version, read with the invitation.
    version: int
    parts: list[PartOnPage]
    goal_cards: list[GoalCard]
    #: Each timed part's results list, once the organiser has published them.
    results: list[tuple[Activity, list[Standing]]]
    #: The code to show at the door, while the guest is coming to a part not yet over.
    check_in_code: str | None
    open_for_answers: bool
    #: The member of the team who looks after the guest at the event, or None.
    host: Organiser | None
    #: From then on the page may show something else with no row changing: the answer
    #: deadline, or a part starting or ending. None: never.
    valid_until: datetime | None
    #: The organiser's questions, and the guest's saved answers as the form's inputs hold
    #: them (input name: value).
    questions: list[QuestionOnPage]
    question_values: dict[str, str]
    #: The saved answers as the guest reads them: ("Menu (Per)", "Fish").
    answers_summary: list[tuple[str, str]]

    @property
    def event(self) -> Event:
        return self.invitation.event

    @property
    def contact(self) -> Contact:
        return self.invitation.contact

    @property
    def in_calendar(self) -> bool:
        return any(part.calendar_links for part in self.parts)

    def page_key(self, saved: bool) -> tuple:
        return page_key(self.invitation.id, self.version, saved)


def guest_page(token: str, now: datetime, link: LinkVersion | None = None) -> GuestPage:
    """The guest page of the invitation behind ``token`` at ``now``; ``LinkNotValid`` for a
    wrong or revoked link. ``link``: its ``link_version``, when read already.

    Six queries, whatever the number of parts: the link's version; the invitation with
    its event, contact, parts and the guest's answers with their places in line; the
    event's questions; goals; results; their host. One more once results are published:
    the parts' participants; one more when the event asks questions: the guest's answers
    to them."""
    link = link or link_version(token)
    invitation, places_in_line = _programme(link.invitation_id)
    event = invitation.event
    asked = questions.questions_of(event)
    answers = questions.answers_of(invitation) if asked else {}
    published = [activity for activity in event.activities
                 if activity.kind is ActivityKind.TIMED and event.results_published_at]
    participants = _participants(published)
    records = race_records(invitation, published, sorted(
        {person.contact_id for people in participants.values() for person in people}))
    with force_locale(invitation.guest_language):  # the links' texts: in their language
        return _assemble(token, invitation, link.version, places_in_line, participants,
                         records, published, now, asked, answers)


def _assemble(token: str, invitation: Invitation, version: int,
              places_in_line: dict[int, int], participants: dict[int, list[Invitation]],
              records: RaceRecords, published: list[Activity], now: datetime,
              asked: list[Question], answers: dict[tuple[int, int], QuestionAnswer],
              ) -> GuestPage:
    event = invitation.event
    link_text = invitation_link(invitation)
    calendar = guest_parts(invitation)
    return GuestPage(
        token=token, invitation=invitation, version=version,
        parts=[PartOnPage(activity, invitation.answer_for(activity),
                          places_in_line.get(activity.id),
                          calendar_links(activity, link_text)
                          if activity in calendar else None)
               for activity in event.activities],
        goal_cards=goal_cards(invitation, records),
        results=[(activity, results_for_guests(activity, participants[activity.id], records))
                 for activity in published],
        check_in_code=check_in_code(invitation)
        if guest_needs_check_in_code(invitation, now) else None,
        open_for_answers=event.accepts_answers(now),
        host=host_of_guest(invitation),
        valid_until=next_change(event, now),
        questions=questions_on_page(invitation, asked, answers),
        question_values={question_field_name(question_id, person):
                         questions.answer_value(answer)
                         for (question_id, person), answer in answers.items()},
        answers_summary=questions.answers_summary(invitation, asked, answers))


def _place_in_line():
    """1 for the first in line at the answer's part, and so on (as
    ``invitations.waitlist.waitlist_position``)."""
    ahead = aliased(Response)
    return select(func.count()).where(
        ahead.activity_id == Response.activity_id,
        ahead.status == AnswerStatus.WAITLISTED,
        or_(ahead.waitlisted_at < Response.waitlisted_at,
            and_(ahead.waitlisted_at == Response.waitlisted_at, ahead.id < Response.id)),
    ).scalar_subquery() + 1


#: One row per part (one at least): the invitation, its event and contact, the part and
#: the guest's answer to it with the place in line.
PROGRAMME = (
    select(Invitation, Response, case((Response.status == AnswerStatus.WAITLISTED,
                                       _place_in_line())))
    .join(Invitation.event).join(Invitation.contact)
    .outerjoin(Event.activities)
    .outerjoin(Response, and_(Response.activity_id == Activity.id,
                              Response.invitation_id == Invitation.id))
    .where(Invitation.id == bindparam("invitation_id"))
    .options(contains_eager(Invitation.event).contains_eager(Event.activities),
             contains_eager(Invitation.contact))
    .order_by(Activity.starts_at, Activity.id))


def _programme(invitation_id: int) -> tuple[Invitation, dict[int, int]]:
    """The invitation with its event, contact and parts, and the guest's answers; and
    part id -> place in line where the guest waits. One query."""
    rows = db.session.execute(PROGRAMME, {"invitation_id": invitation_id}).unique().all()
    if not rows:  # deleted since its link was read
        raise LinkNotValid()
    invitation = rows[0][0]
    answers = [response for _, response, _ in rows if response is not None]
    set_committed_value(invitation, "responses", answers)
    return invitation, {response.activity_id: place for _, response, place in rows
                        if place is not None}


def _participants(published: list[Activity]) -> dict[int, list[Invitation]]:
    """Part id -> the guests who said yes to it (link not revoked), with their contacts, in
    ``goals.services.participants`` order. One query; none without ``published`` parts."""
    participants: dict[int, list[Invitation]] = {activity.id: [] for activity in published}
    if not published:
        return participants
    rows = db.session.execute(
        select(Response.activity_id, Invitation)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(Invitation.contact)
        .where(Response.activity_id.in_(participants), Response.status == AnswerStatus.YES,
               Invitation.revoked_at.is_(None))
        .options(contains_eager(Invitation.contact))
        .order_by(func.lower(Contact.name), Invitation.id))
    for activity_id, invitation in rows:
        participants[activity_id].append(invitation)
    return participants


def next_change(event: Event, now: datetime) -> datetime | None:
    """The first moment from ``now`` on at which the event's guest pages may change with
    no row changing: the answer deadline, or a part starting or ending (the check-in code
    shows until the part ends). None: never."""
    moments = [event.rsvp_deadline] + [moment for activity in event.activities
                                       for moment in (activity.starts_at, activity.ends_at)]
    return min((moment for moment in moments if moment is not None and moment >= now),
               default=None)

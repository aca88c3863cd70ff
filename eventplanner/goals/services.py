"""Goals and results for timed parts: who races, how they did, and personal bests over the
editions of a series. Services add and flush; the caller commits.

Earlier editions are read for a viewer, always named: an organiser (``seen_by``) sees the
editions they may open; ``GUESTS`` (a guest's page or email) sees every edition of the series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload

from eventplanner.access import visible_event_ids
from eventplanner.audit import services as audit
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Contact
from eventplanner.errors import DomainError, InvalidInput, InvalidState, NotFound
from eventplanner.events.models import Activity, ActivityKind, Event
from eventplanner.extensions import db, utcnow
from eventplanner.goals.models import Goal, Result, ResultStatus
from eventplanner.goals.signals import results_published
from eventplanner.goals.times import parse_duration
from eventplanner.invitations.inviting import queue_guest_email
from eventplanner.invitations.models import AnswerStatus, Invitation, Response

#: Answers that make a guest a participant of a timed part (a "maybe" may still set a goal).
JOINING = (AnswerStatus.YES, AnswerStatus.MAYBE)


class Reader(Enum):
    """Who reads earlier editions when no organiser does."""

    #: A guest's page or results email: every edition of the series (their own history).
    GUESTS = "guests"


GUESTS = Reader.GUESTS


class NotAParticipant(InvalidInput):
    default_message = _l("This guest has not joined this part.")


class NotTimed(InvalidState):
    default_message = _l("Only a timed part has goals and results.")


def _check_timed(activity: Activity) -> None:
    if activity.kind is not ActivityKind.TIMED:
        raise NotTimed()


def _joins(invitation: Invitation, activity: Activity, answers=(AnswerStatus.YES,)) -> bool:
    return (invitation.event_id == activity.event_id and not invitation.is_revoked
            and invitation.answer_for(activity) in answers)


def participants(activity: Activity) -> list[Invitation]:
    """Guests who said yes to the part, with their contact, by name."""
    return list(db.session.scalars(
        select(Invitation).join(Response, Response.invitation_id == Invitation.id)
        .join(Invitation.contact)
        .where(Response.activity_id == activity.id, Response.status == AnswerStatus.YES,
               Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact))
        .order_by(func.lower(Contact.name), Invitation.id)).unique())


def goal_of(invitation: Invitation, activity: Activity) -> Goal | None:
    return db.session.scalar(select(Goal).where(Goal.invitation_id == invitation.id,
                                                Goal.activity_id == activity.id))


def set_goal(invitation: Invitation, activity: Activity, target: str, previous_best: str,
             aim: str) -> Goal:
    """Save a guest's goal for a timed part they joined. Empty times are allowed (an aim in
    words is a goal too); bad ones raise ``BadTime``."""
    _check_timed(activity)
    if not _joins(invitation, activity, JOINING):
        raise NotAParticipant(_l("Say yes to %(part)s first, then set your goal.",
                                 part=activity.name))
    target_seconds = parse_duration(target) if (target or "").strip() else None
    best_seconds = parse_duration(previous_best) if (previous_best or "").strip() else None
    goal = goal_of(invitation, activity) or Goal(invitation=invitation, activity=activity)
    goal.target_seconds, goal.previous_best_seconds = target_seconds, best_seconds
    goal.aim = (aim or "").strip()[:200]
    db.session.add(goal)
    invitation.updated_at = utcnow()  # the guest's page shows the goal
    db.session.flush()
    return goal


def comment_on_goal(goal: Goal, comment: str) -> None:
    """The organiser's friendly challenge, which the guest sees beside their goal."""
    goal.organiser_comment = (comment or "").strip()[:1000]
    goal.invitation.updated_at = utcnow()
    db.session.flush()


def record_result(activity: Activity, invitation: Invitation, status: ResultStatus,
                  time: str = "") -> Result:
    """Record a participant's result: a time when they finished, none otherwise."""
    _check_timed(activity)
    if not _joins(invitation, activity):
        raise NotAParticipant(_l("%(name)s has not joined %(part)s.",
                                 name=invitation.contact.name, part=activity.name))
    seconds = parse_duration(time) if status is ResultStatus.FINISHED else None
    result = db.session.scalar(select(Result).where(
        Result.invitation_id == invitation.id, Result.activity_id == activity.id))
    if result is None:
        result = Result(invitation=invitation, activity=activity, status=status)
        db.session.add(result)
    result.status, result.time_seconds = status, seconds
    result.recorded_at = utcnow()
    activity.event.touch()  # published results show on every guest's page
    db.session.flush()
    return result


def _series_races(activity: Activity, seen_by: Organiser | Reader) -> list:
    """SQL conditions on ``Activity`` and ``Event``: the timed parts of the editions of
    ``activity``'s series, only of events ``seen_by`` may see unless guests read."""
    conditions = [Event.series_id == activity.event.series_id,
                  Activity.kind == ActivityKind.TIMED]
    if seen_by is not GUESTS:
        conditions.append(Event.id.in_(visible_event_ids(seen_by)))
    return conditions


def earlier_bests(activity: Activity, contact_ids: list[int],
                  seen_by: Organiser | Reader) -> dict[int, int]:
    """Contact id -> best finishing time in the series' earlier editions (timed parts of
    events in the same series that started before this part). Empty without a series."""
    if activity.event.series_id is None or not contact_ids:
        return {}
    rows = db.session.execute(
        select(Invitation.contact_id, func.min(Result.time_seconds))
        .join(Result, Result.invitation_id == Invitation.id)
        .join(Activity, Activity.id == Result.activity_id)
        .join(Event, Event.id == Activity.event_id)
        .where(*_series_races(activity, seen_by), Activity.starts_at < activity.starts_at,
               Result.status == ResultStatus.FINISHED,
               Invitation.contact_id.in_(contact_ids))
        .group_by(Invitation.contact_id))
    return {contact_id: best for contact_id, best in rows}


@dataclass(frozen=True)
class Standing:
    """One participant's line on the results list."""

    invitation: Invitation
    goal: Goal | Row | None
    result: Result | Row | None
    rank: int | None
    previous_best: int | None

    @property
    def time(self) -> int | None:
        if self.result and self.result.status is ResultStatus.FINISHED:
            return self.result.time_seconds
        return None

    @property
    def goal_difference(self) -> int | None:
        """Seconds against the target: negative is faster than the goal."""
        if self.time is None or self.goal is None or self.goal.target_seconds is None:
            return None
        return self.time - self.goal.target_seconds

    @property
    def goal_met(self) -> bool | None:
        difference = self.goal_difference
        return None if difference is None else difference <= 0

    @property
    def personal_best(self) -> bool:
        """Faster than every earlier time we know of (ours, or the one they told us)."""
        return (self.time is not None and self.previous_best is not None
                and self.time < self.previous_best)

    @property
    def first_time(self) -> bool:
        return self.time is not None and self.previous_best is None


def standings(activity: Activity, seen_by: Organiser | Reader) -> list[Standing]:
    """The results list: finishers by time (equal times share a rank: 1, 2, 2, 4), then
    those who did not finish, did not start, or have no result yet. Best times before come
    from the earlier editions ``seen_by`` may see (all of them for ``GUESTS``)."""
    _check_timed(activity)
    people = participants(activity)
    ids = [invitation.id for invitation in people]
    results = {r.invitation_id: r for r in db.session.scalars(
        select(Result).where(Result.activity_id == activity.id,
                             Result.invitation_id.in_(ids)))}
    goals = {g.invitation_id: g for g in db.session.scalars(
        select(Goal).where(Goal.activity_id == activity.id, Goal.invitation_id.in_(ids)))}
    history = earlier_bests(activity, [invitation.contact_id for invitation in people],
                            seen_by)
    return ranked([Standing(i, goals.get(i.id), results.get(i.id), None,
                            _best_known(history.get(i.contact_id), goals.get(i.id)))
                   for i in people])


def _best_known(earlier_best: int | None, goal: Goal | Row | None) -> int | None:
    """The best time before: from earlier editions, or the one the participant told us."""
    known = [t for t in (earlier_best, goal.previous_best_seconds if goal else None) if t]
    return min(known, default=None)


def ranked(lines: list[Standing]) -> list[Standing]:
    """Participants' lines (in the participants' order) as the results list: finishers by
    time, equal times sharing a rank (1, 2, 2, 4), then the others by status and name."""
    finishers = sorted((s for s in lines if s.time is not None), key=lambda s: s.time)
    ranked_lines, rank, last_time = [], 0, None
    for position, standing in enumerate(finishers, start=1):
        if standing.time != last_time:
            rank, last_time = position, standing.time
        ranked_lines.append(Standing(standing.invitation, standing.goal, standing.result,
                                     rank, standing.previous_best))
    order = {ResultStatus.DNF: 0, ResultStatus.DNS: 1, None: 2}
    others = sorted((s for s in lines if s.time is None),
                    key=lambda s: (order[s.result.status if s.result else None],
                                   s.invitation.contact.name.lower()))
    return ranked_lines + others


@dataclass(frozen=True)
class GoalCard:
    """What a guest sees about their goal for one timed part."""

    activity: Activity
    goal: Row | None
    best_so_far: int | None
    last_goal: Row | None


@dataclass(frozen=True)
class RaceRecords:
    """Goals and results around one event's timed parts, with each one's contact and the
    start of its part: what goal cards and guests' results lists are computed from.

    Loaded by ``race_records`` in two queries, whatever the number of parts."""

    series_id: int | None
    #: (goal, contact id, start of its part); a goal as a read-only row of its columns
    goals: list[tuple[Row, int, datetime]]
    #: (result, contact id, start of its part), timed parts only; a row, as goals
    results: list[tuple[Row, int, datetime]]

    def goal_of(self, invitation_id: int, activity: Activity) -> Row | None:
        return next((goal for goal, _, _ in self.goals if goal.invitation_id == invitation_id
                     and goal.activity_id == activity.id), None)

    def result_of(self, invitation_id: int, activity: Activity) -> Row | None:
        return next((result for result, _, _ in self.results
                     if result.invitation_id == invitation_id
                     and result.activity_id == activity.id), None)

    def best_before(self, contact_id: int, activity: Activity) -> int | None:
        """The contact's best finishing time at the series' timed parts that started
        before ``activity`` (as ``earlier_bests``)."""
        if self.series_id is None:
            return None
        return min((result.time_seconds for result, contact, starts_at in self.results
                    if contact == contact_id and starts_at < activity.starts_at
                    and result.status is ResultStatus.FINISHED), default=None)

    def last_goal_before(self, contact_id: int, activity: Activity) -> Row | None:
        """The goal the contact set at the series' latest part before ``activity``."""
        if self.series_id is None:
            return None
        earlier = [(starts_at, goal) for goal, contact, starts_at in self.goals
                   if contact == contact_id and starts_at < activity.starts_at]
        return max(earlier, key=lambda pair: pair[0], default=(None, None))[1]


#: Goals and results around one guest's event (``race_records``), on the tables: read-only
#: rows (a goal's or a result's columns, its contact and the start of its part), not
#: objects, since the page only shows them; built once, so that SQLAlchemy's compiled cache
#: serves every run. An event outside a series has a NULL ``series_id``, which equals
#: nothing.
_GOAL, _RESULT = Goal.__table__, Result.__table__
_INVITATION, _ACTIVITY, _EVENT = Invitation.__table__, Activity.__table__, Event.__table__
_IN_SERIES = _EVENT.c.series_id == bindparam("series_id")


def _with_contact_and_start(table):
    return (select(table, _INVITATION.c.contact_id.label("contact_id"),
                   _ACTIVITY.c.starts_at.label("part_starts_at"))
            .join(_INVITATION, _INVITATION.c.id == table.c.invitation_id)
            .join(_ACTIVITY, _ACTIVITY.c.id == table.c.activity_id)
            .join(_EVENT, _EVENT.c.id == _ACTIVITY.c.event_id))


_RACE_GOALS = _with_contact_and_start(_GOAL).where(or_(
    _GOAL.c.invitation_id == bindparam("invitation_id"),
    _GOAL.c.activity_id.in_(bindparam("part_ids", expanding=True)),
    and_(_IN_SERIES, _INVITATION.c.contact_id == bindparam("contact_id"))))
_RACE_RESULTS = _with_contact_and_start(_RESULT).where(or_(
    _RESULT.c.activity_id.in_(bindparam("part_ids", expanding=True)), and_(
        _IN_SERIES, _ACTIVITY.c.kind == ActivityKind.TIMED,
        _RESULT.c.status == ResultStatus.FINISHED,
        _INVITATION.c.contact_id.in_(bindparam("contact_ids", expanding=True)))))


def race_records(invitation: Invitation, results_of: list[Activity] = (),
                 contact_ids: list[int] = ()) -> RaceRecords:
    """What the guest's goal cards need (their goals, and their goals and finishing times
    across every edition of the series, as ``GUESTS`` read them), plus every goal and
    result at ``results_of`` (this event's timed parts whose results the guest sees) and
    the finishing times across the series of ``contact_ids`` (those parts'
    participants). Two queries, on the session's connection."""
    series_id = invitation.event.series_id
    part_ids = [activity.id for activity in results_of]
    connection = db.session.connection()
    goals = connection.execute(_RACE_GOALS, {
        "invitation_id": invitation.id, "part_ids": part_ids, "series_id": series_id,
        "contact_id": invitation.contact_id})
    results = connection.execute(_RACE_RESULTS, {
        "part_ids": part_ids, "series_id": series_id,
        "contact_ids": sorted({invitation.contact_id, *contact_ids})})
    return RaceRecords(series_id, [(row, row.contact_id, row.part_starts_at) for row in goals],
                       [(row, row.contact_id, row.part_starts_at) for row in results])


def goal_cards(invitation: Invitation, records: RaceRecords | None = None) -> list[GoalCard]:
    """One card per timed part the guest joins (yes or maybe), from ``records`` (read
    with ``race_records`` when not given)."""
    records = records or race_records(invitation)
    cards = []
    for activity in invitation.event.activities:
        if activity.kind is not ActivityKind.TIMED or not _joins(invitation, activity, JOINING):
            continue
        goal = records.goal_of(invitation.id, activity)
        cards.append(GoalCard(
            activity, goal, _best_known(records.best_before(invitation.contact_id, activity),
                                        goal),
            records.last_goal_before(invitation.contact_id, activity)))
    return cards


def results_for_guests(activity: Activity, people: list[Invitation],
                       records: RaceRecords) -> list[Standing]:
    """``standings`` for a guest's page, from ``people`` (the part's participants, in
    ``participants`` order) and ``records`` (``race_records`` with this part)."""
    return ranked([Standing(person, records.goal_of(person.id, activity),
                            records.result_of(person.id, activity), None,
                            _best_known(records.best_before(person.contact_id, activity),
                                        records.goal_of(person.id, activity)))
                   for person in people])


class ResultsRejected(InvalidInput):
    """Some lines of a results sheet are wrong: nothing was saved. ``problems`` says which."""

    default_message = _l("Some results could not be read: nothing was saved. Fix the lines "
                         "marked below.")

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__()
        self.problems = problems


def record_results(activity: Activity,
                   lines: dict[int, tuple[ResultStatus | None, str]], *,
                   by: Organiser | None = None) -> int:
    """Save a whole results sheet: invitation id -> (status, time). A line with no status
    and no time is skipped; a line in error rejects the sheet, so nothing is half-saved.
    Returns how many results were saved (the audit trail notes who saved how many)."""
    _check_timed(activity)
    joined = {invitation.id: invitation for invitation in participants(activity)}
    problems, valid = {}, []
    for invitation_id, (status, time) in lines.items():
        if status is None and not (time or "").strip():
            continue
        status = status or ResultStatus.FINISHED
        if invitation_id not in joined:
            problems[invitation_id] = str(NotAParticipant.default_message)
            continue
        if status is ResultStatus.FINISHED:
            try:
                parse_duration(time)
            except DomainError as error:
                problems[invitation_id] = str(error.message)
                continue
        valid.append((joined[invitation_id], status, time))
    if problems:
        raise ResultsRejected(problems)
    for invitation, status, time in valid:
        record_result(activity, invitation, status, time)
    if valid:
        audit.record(activity.event.workspace_id, by, "results.entered",
                     event_id=activity.event_id,
                     details={"part": activity.name, "saved": len(valid)})
    return len(valid)


def publish_results(event: Event, show_names: bool, now, *,
                    by: Organiser | None = None) -> None:
    """Guests see the results through their link from now on."""
    newly = event.results_published_at is None
    event.results_published_at = event.results_published_at or now
    event.results_show_names = show_names
    event.touch()
    db.session.flush()
    if newly:
        results_published.send(current_app._get_current_object(), event=event)
    audit.record(event.workspace_id, by, "results.published", event_id=event.id,
                 details={"names shown": show_names})


def withdraw_results(event: Event, *, by: Organiser | None = None) -> None:
    event.results_published_at = None
    event.touch()
    db.session.flush()
    audit.record(event.workspace_id, by, "results.withdrawn", event_id=event.id)


@dataclass(frozen=True)
class ChartRow:
    """One finisher in the goal-against-result chart, in SVG units."""

    label: str
    y: float
    result_x: float
    target_x: float | None
    met: bool | None


def goal_chart(lines: list[Standing], width: float = 560, left: float = 150,
               row_height: float = 26) -> tuple[list[ChartRow], list[tuple[float, int]], float]:
    """Rows, axis ticks (x, seconds) and the chart's height, for a server-drawn SVG."""
    finishers = [s for s in lines if s.time is not None]
    if not finishers:
        return [], [], 0
    values = [s.time for s in finishers] + [
        s.goal.target_seconds for s in finishers if s.goal and s.goal.target_seconds]
    low, high = min(values), max(values)
    span = max(high - low, 60)
    low, high = low - span * 0.05, high + span * 0.05

    def x(seconds: float) -> float:
        return left + (seconds - low) / (high - low) * (width - left - 10)

    rows = [ChartRow(s.invitation.contact.name, 20 + i * row_height, x(s.time),
                     x(s.goal.target_seconds) if s.goal and s.goal.target_seconds else None,
                     s.goal_met) for i, s in enumerate(finishers)]
    step = max(30, int((high - low) / 5 // 30 * 30) or 30)
    first_tick = int(low // step + 1) * step
    ticks = [(x(t), t) for t in range(first_tick, int(high), step)]
    return rows, ticks, 20 + len(rows) * row_height + 20


@dataclass(frozen=True)
class EarlierRace:
    year: int
    status: ResultStatus
    time_seconds: int | None


def series_history(activity: Activity, contact_ids: list[int],
                   seen_by: Organiser) -> dict[int, list[EarlierRace]]:
    """Contact id -> their results in the series' earlier editions that ``seen_by`` may
    see, oldest first."""
    if activity.event.series_id is None or not contact_ids:
        return {}
    rows = db.session.execute(
        select(Invitation.contact_id, Activity.starts_at, Result.status, Result.time_seconds)
        .join(Result, Result.invitation_id == Invitation.id)
        .join(Activity, Activity.id == Result.activity_id)
        .join(Event, Event.id == Activity.event_id)
        .where(*_series_races(activity, seen_by), Activity.starts_at < activity.starts_at,
               Invitation.contact_id.in_(contact_ids))
        .order_by(Activity.starts_at))
    history: dict[int, list[EarlierRace]] = {}
    for contact_id, starts_at, status, seconds in rows:
        history.setdefault(contact_id, []).append(EarlierRace(starts_at.year, status, seconds))
    return history


@dataclass(frozen=True)
class EditionSummary:
    year: int
    title: str
    finishers: int
    best_seconds: int | None


def series_summary(activity: Activity, seen_by: Organiser) -> list[EditionSummary]:
    """Each edition's timed part in the series up to this one that ``seen_by`` may see:
    finishers and best time."""
    if activity.event.series_id is None:
        return []
    finished = Result.status == ResultStatus.FINISHED
    rows = db.session.execute(
        select(Activity.starts_at, Event.title,
               func.count(Result.id).filter(finished), func.min(Result.time_seconds))
        .join(Event, Event.id == Activity.event_id)
        .outerjoin(Result, Result.activity_id == Activity.id)
        .where(*_series_races(activity, seen_by), Activity.starts_at <= activity.starts_at)
        .group_by(Activity.id, Activity.starts_at, Event.title)
        .order_by(Activity.starts_at))
    return [EditionSummary(starts_at.year, title, count, best)
            for starts_at, title, count, best in rows]


def goals_for(activity: Activity) -> list[tuple[Invitation, Goal | None]]:
    """Every participant with their goal, the most ambitious target first, no goal last."""
    _check_timed(activity)
    people = participants(activity)
    goals = {g.invitation_id: g for g in db.session.scalars(
        select(Goal).where(Goal.activity_id == activity.id,
                           Goal.invitation_id.in_([p.id for p in people])))}
    lines = [(person, goals.get(person.id)) for person in people]
    return sorted(lines, key=lambda line: (
        line[1] is None or line[1].target_seconds is None,
        line[1].target_seconds if line[1] and line[1].target_seconds else 0,
        line[0].contact.name.lower()))


def get_goal_of(activity: Activity, goal_id: int) -> Goal:
    goal = db.session.scalar(select(Goal).where(Goal.id == goal_id,
                                                Goal.activity_id == activity.id))
    if goal is None:
        raise NotFound()
    return goal


def email_results(activity: Activity, now: datetime) -> int:
    """Send each participant with a result for this part their time, goal, best and rank,
    once per part (another timed part of the event has its own email).

    Needs published results. Returns how many emails were queued."""
    if activity.event.results_published_at is None:
        raise InvalidState(_l("Publish the results before emailing them."))
    waiting = {line.result.id: line for line in standings(activity, GUESTS)
               if line.result is not None and line.result.emailed_at is None}
    # Claimed in one conditional UPDATE: of two clicks at once, each result goes to one.
    claimed = set(db.session.scalars(
        update(Result).where(Result.id.in_(waiting), Result.emailed_at.is_(None))
        .values(emailed_at=now).returning(Result.id)
        .execution_options(synchronize_session=False)))
    for result_id, line in waiting.items():
        if result_id in claimed:
            queue_guest_email(line.invitation, "results",
                              _l("Your result: %(part)s", part=activity.name),
                              activity=activity, line=line)
    count = len(claimed)
    db.session.flush()
    return count

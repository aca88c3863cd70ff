"""What the organiser reads about an event's guests: counts, lists, the kitchen's list, CSV.

Each function runs a fixed number of queries, whatever the number of invitations; the
guest list is read a page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, subqueryload

from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.formatting import format_moment
from eventplanner.invitations.labels import answer_label, stage_label
from eventplanner.invitations.models import (
    AnswerStatus,
    Invitation,
    InvitationStage,
    Response,
)
from eventplanner.spreadsheets import csv_bytes


@dataclass
class PartCounts:
    activity: Activity
    yes_guests: int = 0
    yes_places: int = 0
    maybe: int = 0
    no: int = 0
    waitlisted: int = 0
    not_answered: int = 0


def part_counts(event: Event, invited: int | None = None) -> list[PartCounts]:
    """Per part: yes (guests and places with plus-ones), maybe, no, waitlisted, no answer.

    Revoked invitations are left out of every count. ``invited``: the number of links that
    work, when the caller knows it already (from ``stage_counts``).
    """
    rows = db.session.execute(
        select(Response.activity_id, Response.status, func.count(), func.sum(Response.places))
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Invitation.event_id == event.id, Invitation.revoked_at.is_(None))
        .group_by(Response.activity_id, Response.status)
    ).all()
    if invited is None:
        invited = db.session.scalar(select(func.count()).select_from(Invitation).where(
            Invitation.event_id == event.id, Invitation.revoked_at.is_(None)))
    counts = {activity.id: PartCounts(activity) for activity in event.activities}
    for activity_id, status, how_many, places in rows:
        part = counts[activity_id]
        if status is AnswerStatus.YES:
            part.yes_guests, part.yes_places = how_many, int(places or 0)
        elif status is AnswerStatus.MAYBE:
            part.maybe = how_many
        elif status is AnswerStatus.NO:
            part.no = how_many
        else:
            part.waitlisted = how_many
    for part in counts.values():
        answered = part.yes_guests + part.maybe + part.no + part.waitlisted
        part.not_answered = max(invited - answered, 0)
    return list(counts.values())


def stage_counts(event: Event) -> dict[InvitationStage, int]:
    stage = Invitation.stage
    counts = dict.fromkeys(InvitationStage, 0)
    for value, how_many in db.session.execute(
            select(stage, func.count()).where(Invitation.event_id == event.id)
            .group_by(stage)):
        counts[InvitationStage(value)] = how_many
    return counts


@dataclass
class InvitationPage:
    items: list[Invitation]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def invitation_page(event: Event, stage: InvitationStage | None = None, search: str = "",
                    page: int = 1, per_page: int = 100,
                    counts: dict[InvitationStage, int] | None = None) -> InvitationPage:
    """One page of the guest list, by name, with contact, company and answers loaded.
    ``counts`` (from ``stage_counts``) saves counting again when nothing is searched."""
    conditions = [Invitation.event_id == event.id]
    if stage is not None:
        conditions.append(Invitation.stage == stage.value)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        conditions.append(or_(func.lower(Contact.name).like(pattern),
                              Contact.email.like(pattern)))
    if counts is not None and not search.strip():
        total = counts[stage] if stage is not None else sum(counts.values())
    else:
        total = db.session.scalar(select(func.count()).select_from(Invitation)
                                  .join(Invitation.contact).where(*conditions))
    page = min(max(page, 1), max((total + per_page - 1) // per_page, 1))
    items = db.session.scalars(
        select(Invitation).join(Invitation.contact).where(*conditions)
        .options(contains_eager(Invitation.contact).joinedload(Contact.company),
                 subqueryload(Invitation.responses))
        .order_by(func.lower(Contact.name), Invitation.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return InvitationPage(list(items), total, page, per_page)


@dataclass
class WaitingGuest:
    position: int
    response: Response


@dataclass
class WaitingLines:
    """Per part, the guests in line for a place, first (position 1) first."""

    lines: dict[Activity, list[WaitingGuest]] = field(default_factory=dict)
    positions: dict[tuple[int, int], int] = field(default_factory=dict)

    def position(self, invitation: Invitation, activity: Activity) -> int | None:
        return self.positions.get((invitation.id, activity.id))


def waiting_lines(event: Event) -> WaitingLines:
    """The event's waitlists in the order places are given: one query."""
    parts = {activity.id: activity for activity in event.activities}
    waiting = WaitingLines()
    responses = db.session.scalars(
        select(Response).join(Response.invitation).join(Invitation.contact)
        .where(Invitation.event_id == event.id, Response.status == AnswerStatus.WAITLISTED)
        .options(contains_eager(Response.invitation).contains_eager(Invitation.contact)
                 .joinedload(Contact.company))
        .order_by(Response.activity_id, Response.waitlisted_at, Response.id))
    for response in responses:
        line = waiting.lines.setdefault(parts[response.activity_id], [])
        line.append(WaitingGuest(len(line) + 1, response))
        waiting.positions[(response.invitation_id, response.activity_id)] = len(line)
    return waiting


@dataclass
class KitchenLine:
    name: str
    dietary_needs: str
    places: int


@dataclass
class KitchenList:
    activity: Activity
    lines: list[KitchenLine] = field(default_factory=list)


def kitchen_lists(event: Event) -> list[KitchenList]:
    """Per part, the confirmed guests who told us about dietary needs, with their party."""
    lists = {activity.id: KitchenList(activity) for activity in event.activities}
    rows = db.session.execute(
        select(Response.activity_id, Contact.name, Invitation.dietary_needs, Response.places)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(Invitation.event_id == event.id, Invitation.revoked_at.is_(None),
               Invitation.dietary_needs != "", Response.status == AnswerStatus.YES)
        .order_by(func.lower(Contact.name)))
    for activity_id, name, needs, places in rows:
        lists[activity_id].lines.append(KitchenLine(name, needs, places))
    return list(lists.values())


def messages_from_guests(event: Event, limit: int = 200) -> list[Invitation]:
    """The newest messages guests left for the host."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.message_to_host != "")
        .options(joinedload(Invitation.contact))
        .order_by(Invitation.answered_at.desc(), Invitation.id.desc()).limit(limit)))


def answers_csv(event: Event, invitations: list[Invitation], delimiter: str = ",",
                extra_columns: list[tuple[str, dict[int, str]]] = ()) -> bytes:
    """All answers as CSV, a row per guest and a column per part; ``extra_columns``:
    (heading, value per invitation id) after them (the answers to the organiser's
    questions)."""
    by_invitation = defaultdict(dict)
    for invitation in invitations:
        for response in invitation.responses:
            by_invitation[invitation.id][response.activity_id] = response.status
    rows = [[_("Name"), _("Email"), _("Company"), _("Status")]
            + [activity.name for activity in event.activities]
            + [_("Plus-ones"), _("Plus-one names"), _("Dietary needs"), _("Message"),
               _("Answered")] + [heading for heading, _ in extra_columns]]
    for invitation in invitations:
        contact = invitation.contact
        answers = by_invitation[invitation.id]
        rows.append(
            [contact.name, contact.email, contact.company.name if contact.company else "",
             stage_label(invitation.stage)]
            + [answer_label(answers[activity.id]) if activity.id in answers else ""
               for activity in event.activities]
            + [len(invitation.plus_one_names or []), "; ".join(invitation.plus_one_names or []),
               invitation.dietary_needs, invitation.message_to_host,
               format_moment(invitation.answered_at, event.timezone)]
            + [values.get(invitation.id, "") for _, values in extra_columns])
    return csv_bytes(rows, delimiter)

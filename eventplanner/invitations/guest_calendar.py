"""A guest's own calendar: the files they download (PUBLISH, several parts in one) and the
scheduling messages their emails carry (iMIP, RFC 6047), each holding ONE calendar object:
one part's entry, or the one entry that stands for all of an event's parts.

What a guest's calendar holds, and which message changes it:

- Before they answer, the invitation puts in the entry of the event's only part, or, for
  an event of several parts, the whole event's entry (one Yes answers every part).
- Once they answer, the parts they are coming to (yes, maybe, or waiting for a place) each
  have their own entry with their answer; on the first answer the whole event's entry is
  cancelled (the parts replace it). Each later answer changes the entries of the parts
  whose answer changed: a REQUEST for a part they come to, a CANCEL for one they no longer
  come to.

The ORGANIZER of every message is the invitation's reply address (with the host's name),
so that the Yes a calendar program sends comes back to the app; the host while no reply
domain is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel import gettext as _

from eventplanner.calendar.ics import CalendarEntry, Method, PartStat, Person, build_calendar
from eventplanner.calendar.services import (
    NoParts,
    entry_for,
    event_entry,
    host_of,
    part_description,
    part_of,
    part_title,
)
from eventplanner.errors import NotFound
from eventplanner.events.models import Activity, Event
from eventplanner.formatting import format_day_and_time
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.invitations.reply_address import reply_address

PARTSTAT = {
    AnswerStatus.YES: PartStat.ACCEPTED,
    AnswerStatus.NO: PartStat.DECLINED,
    AnswerStatus.MAYBE: PartStat.TENTATIVE,
    AnswerStatus.WAITLISTED: PartStat.TENTATIVE,
}
#: The answers that keep a part in the guest's calendar.
COMING = (AnswerStatus.YES, AnswerStatus.MAYBE, AnswerStatus.WAITLISTED)
#: In a queued confirmation's context (JSON): part id -> the guest's answer before the
#: change, for each part whose calendar entry it touches (``answers_before``); and whether
#: their calendar's entry for the whole event goes (their first answer, after an email
#: brought it).
CHANGED_PARTS = "answers_before"
CANCEL_WHOLE_EVENT = "cancel_event_entry"
#: In ``answers_before``: the guest had not answered, and the invitation had put the part
#: in their calendar (an event of one part).
INVITED = "invited"


@dataclass(frozen=True)
class CalendarMessage:
    """One scheduling message for a guest's calendar: a part's entry, or with ``activity``
    None the whole event's, and what to do with it (REQUEST or CANCEL)."""

    method: Method
    activity: Activity | None = None

    def title(self, event: Event) -> str:
        return part_title(self.activity) if self.activity is not None else event.title


def guest_parts(invitation: Invitation) -> list[Activity]:
    """The parts a guest said yes or maybe to; every part while they have not answered."""
    parts = invitation.event.activities
    if not invitation.responses:
        return list(parts)
    return [a for a in parts if invitation.answer_for(a) in COMING]


def guest_download(invitation: Invitation, link: str) -> bytes:
    """``/r/<token>/calendar.ics``: the guest's own file (PUBLISH, their link inside)."""
    parts = guest_parts(invitation)
    if not invitation.event.activities:
        raise NoParts(_("The programme is not ready yet: there is nothing to add."))
    if not parts:
        raise NoParts(_("You are not coming to any part, so there is nothing to add."))
    return build_calendar(
        (entry_for(a, description=part_description(a, link), url=link) for a in parts),
        Method.PUBLISH, name=invitation.event.title)


def guest_part_download(invitation: Invitation, activity_id: int, link: str) -> bytes:
    """``/r/<token>/calendar/<part>.ics``: one part of the guest's event on its own
    (PUBLISH, their link inside); ``NotFound`` for a part of any other event."""
    activity = part_of(invitation.event, activity_id)
    return build_calendar([entry_for(activity, description=part_description(activity, link),
                                     url=link)], Method.PUBLISH, name=part_title(activity))


# --- scheduling messages (iMIP): one calendar object each ---------------------------------

def calendar_organizer(invitation: Invitation) -> Person:
    """The invitation's reply address with the host's name; the host without a reply
    domain."""
    host = host_of(invitation.event)
    address = reply_address(invitation)
    return Person(address, host.name) if address else host


def _attendee(invitation: Invitation) -> Person:
    return Person(invitation.contact.email, invitation.contact.name)


def part_entry(invitation: Invitation, activity: Activity, link: str) -> CalendarEntry:
    """The part's entry for this guest: their answer as PARTSTAT; a guest waiting for a
    place reads so in the title and the description (PARTSTAT TENTATIVE)."""
    answer = invitation.answer_for(activity)
    description = part_description(activity, link)
    summary = ""
    if answer is AnswerStatus.WAITLISTED:
        summary = _("%(title)s (on the waitlist)", title=part_title(activity))
        description = "\n\n".join(filter(None, (
            _("You are on the waitlist for this part: we will email you if a place comes "
              "free."), description)))
    return entry_for(activity, description=description, url=link,
                     attendee=_attendee(invitation),
                     partstat=PARTSTAT.get(answer, PartStat.NEEDS_ACTION),
                     organizer=calendar_organizer(invitation), summary=summary)


def whole_event_entry(invitation: Invitation, link: str) -> CalendarEntry:
    """The entry that stands for all the event's parts: the programme (each part's name,
    local time and place) and the guest's link in its description."""
    event = invitation.event
    programme = [_("Programme:")] + [
        " · ".join(filter(None, (activity.name, _local_time(activity), activity.location)))
        for activity in sorted(event.activities, key=lambda a: a.starts_at)]
    lines = [text for text in (event.description, "\n".join(programme)) if text]
    lines.append(_("Your answer and all details: %(link)s", link=link))
    return event_entry(event, description="\n\n".join(lines), url=link,
                       attendee=_attendee(invitation),
                       organizer=calendar_organizer(invitation))


def _local_time(activity: Activity) -> str:
    return format_day_and_time(activity.starts_at, activity.event.timezone)


def calendar_message_file(invitation: Invitation, link: str, message: CalendarMessage) -> bytes:
    """The message as an .ics file: METHOD, one VEVENT (and its VTIMEZONE)."""
    if message.activity is None:
        entry = whole_event_entry(invitation, link)
        if message.method is Method.CANCEL and not invitation.event.is_cancelled:
            # Cancelled for this guest alone (their parts replace it): a newer revision
            # than the entry their calendar holds (RFC 5546 3.2.5). It is never sent to
            # them again, so no later REQUEST has to beat this SEQUENCE.
            entry = replace(entry, sequence=entry.sequence + 1)
    else:
        entry = part_entry(invitation, message.activity, link)
    return build_calendar([entry], message.method)


def invitation_calendar(invitation: Invitation) -> CalendarMessage | None:
    """What the invitation email puts in the guest's calendar: the only part's entry, or
    the whole event's for several parts; nothing once the guest has answered (their parts
    came with their confirmations) or while the event has no parts."""
    parts = invitation.event.activities
    if invitation.responses or not parts:
        return None
    return CalendarMessage(Method.REQUEST, parts[0] if len(parts) == 1 else None)


def entries_held(invitation: Invitation, method: Method) -> list[CalendarMessage]:
    """A message about each entry the guest's calendar holds for the event (when it is
    cancelled, or takes place after all): before they answer, what the invitation put in;
    after, each part they are coming to."""
    if not invitation.responses:
        first = invitation_calendar(invitation)
        return [CalendarMessage(method, first.activity)] if first is not None else []
    return [CalendarMessage(method, activity) for activity in invitation.event.activities
            if invitation.answer_for(activity) in COMING]


# --- after an answer: what changed in the guest's calendar ------------------------------

def answers_before(invitation: Invitation, before: Mapping[int, AnswerStatus | None],
                   after: Mapping[int, AnswerStatus | None]) -> dict[str, str]:
    """Part id -> the guest's answer before this change (or ``INVITED``, or ""), for the
    parts whose entry in the guest's calendar the change touches: JSON for the queued
    confirmation, which the delivery worker writes later (``calendar_after_answer``)."""
    first_answer = not any(before.values())
    parts = invitation.event.activities
    touched = {}
    for activity in parts:
        old, new = before.get(activity.id), after.get(activity.id)
        if old == new:
            continue
        invited = first_answer and invitation.sent_at is not None and len(parts) == 1
        if new in COMING or old in COMING or invited:
            touched[str(activity.id)] = INVITED if invited and old is None else (old or "")
    return touched


def calendar_after_answer(invitation: Invitation, changed: Mapping[str, str],
                          cancel_whole_event: bool) -> list[CalendarMessage]:
    """The messages that bring the guest's calendar from the answers ``changed`` held to
    the answers as they are now (read again: the organiser may have answered for them, or
    the waitlist given a place, since): a REQUEST for each part they come to whose answer
    changed, a CANCEL for each they came to and no longer do; REQUESTs first, then
    CANCELs, then the whole event's CANCEL."""
    requests, cancels = [], []
    for part_id, old in changed.items():
        try:
            activity = part_of(invitation.event, int(part_id))
        except (NotFound, ValueError):
            continue  # removed since: its guests were sent its cancellation then
        now = invitation.answer_for(activity)
        if now in COMING and (now.value if now else "") != old:
            requests.append(CalendarMessage(Method.REQUEST, activity))
        elif now not in COMING and (old in COMING or old == INVITED):
            cancels.append(CalendarMessage(Method.CANCEL, activity))
    order = {activity.id: index for index, activity in enumerate(invitation.event.activities)}
    messages = sorted(requests, key=lambda m: order[m.activity.id]) + sorted(
        cancels, key=lambda m: order[m.activity.id])
    if cancel_whole_event and invitation.event.activities:
        messages.append(CalendarMessage(Method.CANCEL))
    return messages

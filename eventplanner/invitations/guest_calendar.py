"""A guest's own calendar files: the parts they are coming to, with their answer per part
and their personal link inside (``calendar.ics`` builds the file)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from eventplanner.calendar.ics import Method, PartStat, Person, build_calendar
from eventplanner.calendar.services import NoParts, entry_for, part_description
from eventplanner.events.models import Activity
from eventplanner.invitations.models import AnswerStatus, Invitation

PARTSTAT = {
    AnswerStatus.YES: PartStat.ACCEPTED,
    AnswerStatus.NO: PartStat.DECLINED,
    AnswerStatus.MAYBE: PartStat.TENTATIVE,
    AnswerStatus.WAITLISTED: PartStat.TENTATIVE,
}


def guest_parts(invitation: Invitation) -> list[Activity]:
    """The parts a guest said yes or maybe to; every part while they have not answered."""
    parts = invitation.event.activities
    if not invitation.responses:
        return list(parts)
    return [a for a in parts if invitation.answer_for(a) in (
        AnswerStatus.YES, AnswerStatus.MAYBE, AnswerStatus.WAITLISTED)]


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


def guest_request(invitation: Invitation, link: str,
                  activities: Iterable[Activity] | None = None,
                  method: Method = Method.REQUEST) -> bytes:
    """The invitation for one guest's mail program: ATTENDEE with their answer per part."""
    contact = invitation.contact
    attendee = Person(contact.email, contact.name)
    parts = list(invitation.event.activities if activities is None else activities)
    return build_calendar(
        (entry_for(a, description=part_description(a, link), url=link, attendee=attendee,
                   partstat=PARTSTAT.get(invitation.answer_for(a), PartStat.NEEDS_ACTION))
         for a in parts), method)

"""Checking guests in at the door: the door list, check-in and undo, codes, helpers' links.

Check-in and undo say what they want ("in", "out"), never "toggle": two helpers tapping the
same guest at once end in the same state, and the second tap changes nothing.
"""

from __future__ import annotations

import hmac
import io
import re
from dataclasses import dataclass
from datetime import datetime

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.checkin.models import CheckInHelper
from eventplanner.checkin.signals import guest_checked_in
from eventplanner.contacts.models import Contact
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.invitations.errors import EventCancelled, LinkNotValid
from eventplanner.invitations.models import AnswerStatus, CheckIn, Invitation, Response
from eventplanner.tokens import looks_like_token, make_token, new_nonce, token_digest
from eventplanner.urls import absolute_url

#: Characters of the HMAC in a guest's check-in code: 60 bits, enough that codes cannot be
#: guessed at the door, short enough for a small QR code.
CODE_SECRET_LENGTH = 10
#: A code as written: the invitation's id (ASCII digits, at most nine: an INTEGER column)
#: and the secret. Anything else (``²-x``, ``１２-x``, a 30-digit id, letters outside
#: ASCII) is not a code, rather than a 500 from ``int()``, the database or ``hmac``.
CODE_FORMAT = re.compile(rf"([0-9]{{1,9}})-[A-Za-z0-9_-]{{{CODE_SECRET_LENGTH}}}")


class UnknownCode(InvalidInput):
    default_message = _l("This code is not for this event. Check the guest's name instead.")


# --- codes ------------------------------------------------------------------------------

def check_in_code(invitation: Invitation) -> str:
    """The code in the guest's QR code: their invitation's id and an HMAC under the server
    key. It changes with their link, and it opens nothing but the door."""
    secret = make_token("check-in", invitation.id, invitation.token_nonce)
    return f"{invitation.id}-{secret[:CODE_SECRET_LENGTH]}"


def check_in_qr_svg(invitation: Invitation) -> bytes:
    """The guest's code as a QR code, an SVG image of its own (white behind the dark
    modules, so it scans on any page). No text in it: the page's ``<img>`` says what it is."""
    out = io.BytesIO()
    segno.make(check_in_code(invitation), error="m").save(
        out, kind="svg", scale=5, border=2, light="#fff", svgclass=None, lineclass=None,
        omitsize=True, xmldecl=False)
    return out.getvalue()


def guest_needs_check_in_code(invitation: Invitation, now: datetime) -> bool:
    """Show the code while the guest is coming to a part that has not ended."""
    return not invitation.event.is_cancelled and any(
        invitation.answer_for(a) is AnswerStatus.YES and a.ends_at > now
        for a in invitation.event.activities)


def invitation_for_code(event: Event, code: str) -> Invitation:
    """The guest whose code this is, if they are invited to ``event``."""
    code = (code or "").strip()
    match = CODE_FORMAT.fullmatch(code)
    invitation = db.session.get(Invitation, int(match.group(1))) if match else None
    if (invitation is None or invitation.event_id != event.id or invitation.is_revoked
            or not hmac.compare_digest(check_in_code(invitation), code)):
        raise UnknownCode()
    return invitation


# --- the door list ----------------------------------------------------------------------

@dataclass(frozen=True)
class DoorLine:
    invitation: Invitation
    answer: AnswerStatus | None
    #: People expected with this answer: the guest and their plus-ones.
    places: int
    check_in: CheckIn | None


@dataclass(frozen=True)
class DoorList:
    activity: Activity
    lines: list[DoorLine]
    #: People (plus-ones counted) who have arrived, and who said yes.
    arrived: int
    expected: int

    def matching(self, search: str) -> list[DoorLine]:
        """The lines whose guest's name, company or email contains ``search``."""
        words = search.casefold().split()
        if not words:
            return self.lines

        def text(line: DoorLine) -> str:
            contact = line.invitation.contact
            return " ".join([contact.name, contact.email,
                             contact.company.name if contact.company else ""]).casefold()

        return [line for line in self.lines if all(word in text(line) for word in words)]


def door_list(activity: Activity) -> DoorList:
    """Everyone who may turn up at the part (yes, maybe, waitlisted) and everyone checked in,
    by name, with counts of people arrived and expected. Three queries, whatever the size."""
    invitations = db.session.scalars(
        select(Invitation).join(Invitation.contact)
        .where(Invitation.event_id == activity.event_id, Invitation.revoked_at.is_(None))
        .options(joinedload(Invitation.contact).joinedload(Contact.company),
                 selectinload(Invitation.responses), selectinload(Invitation.check_ins))
        .order_by(Contact.name, Invitation.id)).unique()
    lines = []
    for invitation in invitations:
        response = invitation.response_for(activity)
        check_in = next((c for c in invitation.check_ins if c.activity_id == activity.id), None)
        answer = response.status if response else None
        if check_in is None and answer in (None, AnswerStatus.NO):
            continue
        lines.append(DoorLine(invitation, answer, response.places if response else 1,
                              check_in))
    return DoorList(
        activity, lines,
        arrived=sum(line.check_in.party_size for line in lines if line.check_in),
        expected=sum(line.places for line in lines if line.answer is AnswerStatus.YES))


def get_guest_at(activity: Activity, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != activity.event_id or invitation.is_revoked:
        raise NotFound()
    return invitation


def check_in(activity: Activity, invitation: Invitation, by: str, now: datetime) -> CheckIn:
    """Let the guest in (with the plus-ones they said they bring). Checking in someone who is
    in already changes nothing, also when two helpers tap at the same moment."""
    event = activity.event
    if event.is_cancelled:
        raise EventCancelled(_l("The event is cancelled: nobody can be checked in."))
    existing = _check_in_of(activity, invitation)
    if existing is not None:
        return existing
    response = db.session.scalar(select(Response).where(
        Response.invitation_id == invitation.id, Response.activity_id == activity.id))
    party = response.places if response else 1 + len(invitation.plus_one_names or [])
    entry = CheckIn(invitation_id=invitation.id, activity_id=activity.id, party_size=party,
                    checked_in_at=now, checked_in_by=by[:120])
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # the other helper was quicker: theirs stands
        return _check_in_of(activity, invitation)
    event.check_in_used = True
    db.session.flush()
    guest_checked_in.send(current_app._get_current_object(), activity=activity,
                          invitation=invitation, check_in=entry)
    return entry


def undo_check_in(activity: Activity, invitation: Invitation) -> None:
    """Take back a check-in (a wrong tap). Undoing what is not there changes nothing."""
    entry = _check_in_of(activity, invitation)
    if entry is not None:
        db.session.delete(entry)
        db.session.flush()


def _check_in_of(activity: Activity, invitation: Invitation) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(
        CheckIn.invitation_id == invitation.id, CheckIn.activity_id == activity.id)
        .execution_options(populate_existing=True))


# --- helpers' links ---------------------------------------------------------------------

def helper_token(helper: CheckInHelper) -> str:
    return make_token("check-in-helper", helper.id, helper.token_nonce)


def helper_link(helper: CheckInHelper) -> str:
    return absolute_url("door.parts", token=helper_token(helper))


def add_helper(event: Event, name: str) -> CheckInHelper:
    """A check-in link for someone at the door: it checks guests in at this event only."""
    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidState(_l("Give the helper's name, so you know whose link it is."))
    helper = CheckInHelper(event=event, name=name, token_nonce=new_nonce())
    db.session.add(helper)
    db.session.flush()
    helper.token_digest = token_digest(helper_token(helper))
    db.session.flush()
    return helper


def helpers_of(event: Event) -> list[CheckInHelper]:
    return list(db.session.scalars(select(CheckInHelper).where(
        CheckInHelper.event_id == event.id, CheckInHelper.revoked_at.is_(None))
        .order_by(CheckInHelper.created_at, CheckInHelper.id)))


def get_helper_of(event: Event, helper_id: int) -> CheckInHelper:
    helper = db.session.get(CheckInHelper, helper_id)
    if helper is None or helper.event_id != event.id:
        raise NotFound()
    return helper


def revoke_helper(helper: CheckInHelper, now: datetime) -> None:
    helper.revoked_at = now
    helper.token_digest = None
    db.session.flush()


def find_helper(token: str) -> CheckInHelper:
    """The helper whose link this is; the same "link not valid" page as a guest's."""
    helper = db.session.scalar(
        select(CheckInHelper).where(CheckInHelper.token_digest == token_digest(token))
        .options(joinedload(CheckInHelper.event).selectinload(Event.activities))
    ) if looks_like_token(token) else None
    if helper is None or helper.revoked_at is not None:
        raise LinkNotValid()
    return helper

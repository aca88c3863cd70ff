"""An event's guests: invitations (invite, send), their answers per part with the history,
and check-ins at the door.

Inviting, sending and answering go through the pages' services: the invitation email is in
the outbox in the same transaction as the invitation, an answer is decided under the
event's answer lock (a yes to a full part waits in line), and the guest gets the same
emails as when the organiser uses the pages.

An invitation carries the guest's ``personal_link``: the organiser's guest page shows it
to copy, so a CRM that emails its own invitations may use it too. It is null once the link
is revoked or the guest's data erased.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.api.calls import caller, calling_token, needs_scope
from eventplanner.api.conditional import check_if_match
from eventplanner.api.events import event_blueprint, event_of_caller, locked_event, part_of
from eventplanner.api.json_fields import Flag, row_id, whole
from eventplanner.api.paging import list_page
from eventplanner.api.problems import RefusedInput
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.checkin import services as door
from eventplanner.contacts.models import Contact
from eventplanner.errors import InvalidState, NotFound
from eventplanner.events.models import Event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations import inviting
from eventplanner.invitations.answers import answer_on_behalf
from eventplanner.invitations.links import invitation_link
from eventplanner.invitations.models import (
    AnswerStatus,
    CheckIn,
    Invitation,
    InvitationStage,
)

bp = event_blueprint("invitations", __name__,
                     "Guests of an event: invite, send, their answers per part and history.")
check_ins_bp = event_blueprint("check_ins", __name__, "Who arrived at which part.")

#: The most contacts one call invites.
MAX_INVITED_AT_ONCE = 1000


# --- loading -----------------------------------------------------------------------------


def _invitations_of(event: Event):
    """A select of the event's invitations with what their representation shows: a
    constant number of queries for a page, whatever its length."""
    return (select(Invitation).where(Invitation.event_id == event.id)
            .options(joinedload(Invitation.contact), selectinload(Invitation.responses),
                     selectinload(Invitation.check_ins)))


def invitation_of(event: Event, invitation_id: int, *, fresh: bool = False) -> Invitation:
    """One of the event's invitations (``NotFound`` for one of another event); ``fresh``:
    read again, over what the session holds (after a lock)."""
    query = _invitations_of(event).where(Invitation.id == invitation_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    invitation = db.session.scalars(query).unique().one_or_none()
    if invitation is None:
        raise NotFound()
    return invitation


# --- representation ----------------------------------------------------------------------


class SortedList(fields.List):
    """A list written in the order of ``key`` (so a representation, and its ETag, does not
    depend on the order rows came from the database)."""

    def __init__(self, inner, *, key, **kwargs) -> None:
        super().__init__(inner, **kwargs)
        self.key = key

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(sorted(value or (), key=self.key), attr, obj, **kwargs)


class PersonalLink(fields.String):
    """The guest's personal link (null once revoked or erased)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(attribute="id", dump_only=True, allow_none=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if obj.is_revoked or obj.anonymised_at is not None or not obj.token_digest:
            return None
        return invitation_link(obj)


class PartAnswerSchema(Schema):
    part_id = fields.Integer(attribute="activity_id", required=True)
    status = fields.Enum(AnswerStatus, by_value=True, required=True, metadata={
        "description": "`waitlisted`: said yes to a full part, waiting for a place."})
    places = fields.Integer(required=True, metadata={
        "description": "The guest and their plus-ones: the places a yes takes."})
    waitlisted_at = AwareDateTime(allow_none=True)
    updated_at = AwareDateTime()


class CheckInSchema(Schema):
    id = fields.Integer(required=True)
    invitation_id = fields.Integer(required=True)
    part_id = fields.Integer(attribute="activity_id", required=True)
    party_size = fields.Integer(required=True, metadata={
        "description": "The guest and the plus-ones who came with them."})
    checked_in_at = AwareDateTime(required=True)
    checked_in_by = fields.String(metadata={"description": "A name, or `API: <token>`."})


class InvitationSchema(Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    contact_external_id = fields.String(attribute="contact.external_id", allow_none=True,
                                        metadata={"description": "The contact's CRM id."})
    contact_name = fields.String(attribute="contact.name")
    contact_email = fields.String(attribute="contact.email")
    stage = fields.Enum(InvitationStage, by_value=True, metadata={
        "description": "How far it has come: the last of sent, opened, answered; or "
                       "`revoked` (the link no longer works)."})
    plus_ones_allowed = fields.Integer()
    plus_one_names = fields.List(fields.String())
    dietary_needs = fields.String()
    message_to_host = fields.String()
    language = fields.String(metadata={"description": "The guest's own choice; empty: "
                                                      "the contact's, else the event's."})
    personal_link = PersonalLink()
    created_at = AwareDateTime()
    updated_at = AwareDateTime(metadata={
        "description": "Moves when the guest's answers, details or check-ins change."})
    sent_at = AwareDateTime(allow_none=True)
    opened_at = AwareDateTime(allow_none=True)
    answered_at = AwareDateTime(allow_none=True)
    revoked_at = AwareDateTime(allow_none=True)
    answers = SortedList(fields.Nested(PartAnswerSchema), attribute="responses",
                         key=lambda response: response.activity_id)
    check_ins = SortedList(fields.Nested(CheckInSchema),
                           key=lambda entry: entry.activity_id)


class InvitationListArgs(ListArgs):
    stage = fields.Enum(InvitationStage, by_value=True)


class InviteSchema(StrictSchema):
    contact_ids = fields.List(row_id(), validate=validate.Length(min=1,
                                                                  max=MAX_INVITED_AT_ONCE),
                              metadata={"description": "Contacts to invite (up to 1,000)."})
    contact_id = row_id(metadata={"description": "One contact to invite."})
    plus_ones_allowed = whole(0, inviting.MAX_PLUS_ONES, load_default=0)
    send = Flag(load_default=False, metadata={
        "description": "Queue the invitation emails now (the event must be published)."})

    @validates_schema
    def _one_way_to_name_them(self, data, **kwargs) -> None:
        if ("contact_ids" in data) == ("contact_id" in data):
            raise ValidationError(str(_l("Give contact_ids or contact_id.")), "contact_ids")


class InviteReportSchema(Schema):
    invited = fields.List(fields.Nested(InvitationSchema), required=True, metadata={
        "description": "The invitations made now."})
    already_invited = fields.List(fields.Nested(InvitationSchema), required=True, metadata={
        "description": "Those invited before, left as they were."})


# --- invitations -------------------------------------------------------------------------


def _location(invitation: Invitation) -> dict[str, str]:
    return {"Location": url_for("api_invitations.read_invitation",
                                event_id=invitation.event_id, invitation_id=invitation.id,
                                _external=True)}


@bp.route("/<int:event_id>/invitations", methods=["GET"])
@needs_scope("guests:read")
@bp.arguments(InvitationListArgs, location="query")
@bp.response(200, page_of(InvitationSchema, "Invitation"))
def list_invitations(args, event_id: int):
    """List an event's invitations

    With `updated_since`: the invitations whose answers, details or check-ins changed,
    and the tombstones of those deleted or erased (`stage` narrows the list)."""
    event = event_of_caller(event_id)
    query = _invitations_of(event)
    if "stage" in args:
        query = query.where(Invitation.stage == args["stage"].value)
    return list_page(query, Invitation, args, kind="invitation",
                     workspace_id=event.workspace_id, event_id=event.id)


@bp.route("/<int:event_id>/invitations/<int:invitation_id>", methods=["GET"])
@needs_scope("guests:read")
@bp.response(200, InvitationSchema)
def read_invitation(event_id: int, invitation_id: int):
    """Read an invitation"""
    return invitation_of(event_of_caller(event_id), invitation_id)


@bp.route("/<int:event_id>/invitations", methods=["POST"])
@needs_scope("guests:write")
@bp.arguments(InviteSchema)
@bp.response(201, InviteReportSchema)
@bp.alt_response(200, schema=InviteReportSchema,
                 description="Everyone named was invited already: nothing changed.")
def invite(data, event_id: int):
    """Invite contacts

    Contacts of the workspace, by id; someone invited already is left as they were. With
    `send`, the invitation emails are queued at once (the event must be published);
    otherwise send them later with `.../send`. All or nothing: an unknown or erased
    contact refuses the call, and nothing is invited."""
    event = event_of_caller(event_id)
    wanted = data.get("contact_ids") or [data["contact_id"]]
    known = set(db.session.scalars(select(Contact.id).where(
        Contact.workspace_id == event.workspace_id, Contact.id.in_(wanted),
        Contact.erased_at.is_(None))))
    unknown = {str(row): [str(_l("No contact of the workspace has this id."))]
               for row, contact_id in enumerate(wanted) if contact_id not in known}
    if unknown:
        raise RefusedInput({"contact_ids" if "contact_ids" in data else "contact_id":
                            unknown if "contact_ids" in data else unknown["0"]})
    report = inviting.invite_contacts(event, caller(), sorted(known),
                                      data["plus_ones_allowed"], send=data["send"],
                                      now=utcnow())
    invited_ids = {invitation.id for invitation in report.invited}
    everyone = list(db.session.scalars(
        _invitations_of(event).where(Invitation.contact_id.in_(known))
        .order_by(Invitation.id)).unique())
    body = {"invited": [i for i in everyone if i.id in invited_ids],
            "already_invited": [i for i in everyone if i.id not in invited_ids]}
    if not invited_ids:
        return body, 200
    headers = _location(body["invited"][0]) if len(invited_ids) == 1 else {}
    return body, 201, headers


@bp.route("/<int:event_id>/invitations/<int:invitation_id>/send", methods=["POST"])
@needs_scope("guests:write")
@bp.response(200, InvitationSchema)
def send_invitation(event_id: int, invitation_id: int):
    """Send (or send again) an invitation

    Queues the invitation email with the guest's current link; the event must be
    published and the link not revoked."""
    event = event_of_caller(event_id)
    invitation = invitation_of(event, invitation_id)
    if invitation.sent_at is None:
        inviting.send_invitations(event, [invitation], utcnow())
        if invitation.sent_at is None:  # revoked or erased: the service passed it by
            inviting.resend_invitation(invitation, utcnow())
    else:
        inviting.resend_invitation(invitation, utcnow())
    db.session.flush()
    return invitation_of(event, invitation_id, fresh=True)


# --- answers -----------------------------------------------------------------------------


class AnswerChangeSchema(Schema):
    field = fields.String(required=True, metadata={
        "description": "`answer` (per part), `plus_ones`, `dietary_needs`, `message`, "
                       "`part_removed`..."})
    part_id = fields.Integer(attribute="activity_id", allow_none=True)
    part_name = fields.String(attribute="activity_name", metadata={
        "description": "The part's name then (history outlives a removed part)."})
    old = fields.String(attribute="old_value")
    new = fields.String(attribute="new_value")
    by = fields.String(attribute="changed_by", metadata={
        "description": "`guest`, `calendar`, `organiser`, `waitlist`, `system`, `erasure`."})
    at = AwareDateTime(attribute="changed_at")


class AnswersSchema(Schema):
    invitation_id = fields.Integer(attribute="id", required=True)
    answers = SortedList(fields.Nested(PartAnswerSchema), attribute="responses",
                         key=lambda response: response.activity_id, required=True,
                         metadata={"description": "The answer per part now."})
    history = SortedList(fields.Nested(AnswerChangeSchema), attribute="changes",
                         key=lambda change: (change.changed_at, change.id), required=True,
                         metadata={"description": "Every change, oldest first."})


class PartAnswerInput(StrictSchema):
    part_id = row_id(required=True)
    status = fields.Enum(AnswerStatus, by_value=True, required=True,
                         validate=validate.OneOf(
                             [AnswerStatus.YES, AnswerStatus.NO, AnswerStatus.MAYBE]),
                         metadata={"description": "`yes`, `no` or `maybe`."})


class AnswerOnBehalfSchema(StrictSchema):
    answers = fields.List(fields.Nested(PartAnswerInput), required=True,
                          validate=validate.Length(min=1, max=200))


def _with_history(invitation: Invitation) -> Invitation:
    return db.session.scalars(
        select(Invitation).where(Invitation.id == invitation.id)
        .options(selectinload(Invitation.responses), selectinload(Invitation.changes))
        .execution_options(populate_existing=True)).one()


@bp.route("/<int:event_id>/invitations/<int:invitation_id>/answers", methods=["GET"])
@needs_scope("guests:read")
@bp.response(200, AnswersSchema)
def read_answers(event_id: int, invitation_id: int):
    """Read a guest's answers and their history"""
    return _with_history(invitation_of(event_of_caller(event_id), invitation_id))


@bp.route("/<int:event_id>/invitations/<int:invitation_id>/answers", methods=["PUT"])
@needs_scope("guests:write")
@bp.arguments(AnswerOnBehalfSchema)
@bp.response(200, AnswersSchema)
def answer_for_guest(data, event_id: int, invitation_id: int):
    """Answer for a guest

    As when the organiser enters the answer of a guest who phoned: the parts named get the
    answer given, the others keep theirs; the same rules as the guest's own answer (the
    event published, the deadline not passed, the link not revoked). A yes to a full part
    is put on the waitlist (`waitlisted`), not refused; a guest whose link is revoked or
    whose data was erased cannot be answered for (409). The history says `organiser`. Send
    `If-Match` with the ETag of the answers you read: if they changed since, 412."""
    event = locked_event(event_id)
    invitation = _with_history(invitation_of(event, invitation_id, fresh=True))
    check_if_match(AnswersSchema().dump(invitation))
    if invitation.anonymised_at is not None:
        raise InvalidState(_l("This guest's personal data was erased: nobody can answer "
                              "for them."))
    if invitation.is_revoked:
        raise InvalidState(_l("This guest's link is revoked: make a new one first."))
    answers: dict[int, AnswerStatus] = {}
    problems = {}
    for row, answer in enumerate(data["answers"]):
        try:
            part_of(event, answer["part_id"])
        except NotFound:
            problems[str(row)] = {"part_id": [str(_l("That part is not in this event."))]}
        answers[answer["part_id"]] = answer["status"]
    if problems:
        raise RefusedInput({"answers": problems})
    answer_on_behalf(invitation, answers, utcnow(), caller())
    db.session.flush()
    return _with_history(invitation)


# --- check-ins ---------------------------------------------------------------------------


class CheckInInput(StrictSchema):
    invitation_id = row_id(required=True)


@check_ins_bp.route("/<int:event_id>/parts/<int:part_id>/check-ins", methods=["GET"])
@needs_scope("guests:read")
@check_ins_bp.arguments(ListArgs, location="query")
@check_ins_bp.response(200, page_of(CheckInSchema, "CheckIn"))
def list_check_ins(args, event_id: int, part_id: int):
    """List who arrived at a part

    With `updated_since`: the check-ins made since. A check-in taken back is not listed;
    its invitation's `updated_at` moves, so a sync of the invitations sees it."""
    event = event_of_caller(event_id)
    part = part_of(event, part_id)
    return list_page(select(CheckIn).where(CheckIn.activity_id == part.id), CheckIn, args,
                     kind="check_in", workspace_id=event.workspace_id, event_id=event.id,
                     changed_at=CheckIn.checked_in_at)


@check_ins_bp.route("/<int:event_id>/parts/<int:part_id>/check-ins", methods=["POST"])
@needs_scope("guests:write")
@check_ins_bp.arguments(CheckInInput)
@check_ins_bp.response(201, CheckInSchema)
@check_ins_bp.alt_response(200, schema=CheckInSchema,
                           description="The guest was checked in already: nothing changed.")
def check_in(data, event_id: int, part_id: int):
    """Check a guest in at a part

    With the plus-ones they said they bring. Checking in someone who is in already
    changes nothing (200)."""
    event = event_of_caller(event_id)
    part = part_of(event, part_id)
    invitation = door.get_guest_at(part, data["invitation_id"])
    already = db.session.scalar(select(CheckIn.id).where(
        CheckIn.invitation_id == invitation.id, CheckIn.activity_id == part.id))
    entry = door.check_in(part, invitation, f"API: {calling_token().name}", utcnow())
    return entry, 200 if already else 201


@check_ins_bp.route("/<int:event_id>/parts/<int:part_id>/check-ins/<int:invitation_id>",
                    methods=["DELETE"])
@needs_scope("guests:write")
@check_ins_bp.response(204)
def undo_check_in(event_id: int, part_id: int, invitation_id: int):
    """Take back a check-in

    A wrong tap at the door. Taking back what is not there changes nothing."""
    event = event_of_caller(event_id)
    part = part_of(event, part_id)
    door.undo_check_in(part, door.get_guest_at(part, invitation_id))

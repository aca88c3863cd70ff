"""Events and their parts: read them, make them, change them, remove a part.

Times are instants in UTC in the API; the event keeps its wall-clock times in its own zone
(``timezone``), so a changed zone keeps the parts at the same time on the local clock, as
the pages do. Every change goes through the services the pages use: guests hear of a part
that moved, the calendar SEQUENCE moves, a capacity cannot go below the places confirmed
and a higher one gives places to the waitlist, and the audit trail names the token's maker.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from config import LANGUAGES
from eventplanner.access import event_visible_to, get_event_for
from eventplanner.api.calls import api_blueprint, caller, needs_scope
from eventplanner.api.conditional import check_if_match
from eventplanner.api.json_fields import LARGEST_ID, Flag, Instant, Number, whole, whole_of
from eventplanner.api.paging import list_page
from eventplanner.api.problems import RefusedInput
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.errors import NotFound
from eventplanner.events import services
from eventplanner.events.locking import lock_answers
from eventplanner.events.models import Activity, ActivityKind, Event, EventStatus
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import Invitation
from eventplanner.timezones import is_known_zone, wall_clock, zone_names

#: What the pages offer for a calendar alarm and for an automatic feedback request.
ALARM_MINUTES = (30, 60, 120, 1440)
FEEDBACK_REQUEST_DAYS = (0, 1, 2, 7)


# --- loading through the access policy ---------------------------------------------------


def _caller_events():
    """The events a call may reach: its workspace's (an event shared with the token's
    maker from another workspace is that workspace's, not the token's)."""
    member = caller()
    return select(Event).where(event_visible_to(member),
                               Event.workspace_id == member.workspace_id)


def event_of_caller(event_id: int) -> Event:
    """The event, if the call may reach it (``NotFound`` otherwise, whatever the reason)."""
    member = caller()
    event = get_event_for(member, event_id)
    if event.workspace_id != member.workspace_id:
        raise NotFound()
    return event


def find_what_the_address_names() -> None:
    """Before the body is read: the event, part and invitation the address names, each of
    the caller's workspace and of that event, or ``NotFound``; so an id of another
    workspace is a 404 whatever the body says, never a 422 about the body."""
    arguments = request.view_args or {}
    if "event_id" not in arguments:
        return
    event = event_of_caller(arguments["event_id"])
    if "part_id" in arguments:
        part_of(event, arguments["part_id"])
    if "invitation_id" in arguments and db.session.scalar(select(Invitation.id).where(
            Invitation.id == arguments["invitation_id"],
            Invitation.event_id == event.id)) is None:
        raise NotFound()


def refuse_a_change_without_a_body() -> None:
    """A PATCH or PUT says what to change: without a body it is refused, not taken for a
    change of nothing."""
    if request.method in ("PATCH", "PUT") and not request.get_data(cache=True).strip():
        raise RefusedInput({"_schema": [str(_l("Send the fields to change as JSON."))]})


def event_blueprint(name: str, import_name: str, description: str):
    """A blueprint of an event's data under ``/api/v1/events``: the ids in the address are
    looked up (``find_what_the_address_names``) before anything else, then a change
    without a body is refused."""
    blueprint = api_blueprint(name, import_name, "/api/v1/events", description)
    blueprint.before_request(find_what_the_address_names)
    blueprint.before_request(refuse_a_change_without_a_body)
    return blueprint


bp = event_blueprint("events", __name__,
                     "Events and their parts (a dinner, a race): times, places, capacity.")


def part_of(event: Event, part_id: int) -> Activity:
    """One of the event's parts (``NotFound`` for a part of another event)."""
    for activity in event.activities:
        if activity.id == part_id:
            return activity
    raise NotFound()


def locked_event(event_id: int) -> Event:
    """The event under its answer lock, read afresh with its parts: what a change is
    decided on (and what ``If-Match`` is compared with)."""
    return lock_answers(event_of_caller(event_id))


# --- validation shared by the schemas ----------------------------------------------------


def _known_zone(name: str) -> None:
    if not is_known_zone(name):
        raise ValidationError(str(_l("Choose an IANA time zone, e.g. Europe/Oslo.")))


def _known_language(code: str) -> None:
    if code not in current_app.config["LANGUAGES"]:
        raise ValidationError(str(_l("Choose one of the languages: %(codes)s.",
                                     codes=", ".join(current_app.config["LANGUAGES"]))))


#: An address to write to, or nothing: plain ASCII, one address (no commas or names).
EMAIL_OR_EMPTY = validate.Regexp(
    r"^$|^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
    error=_l("Enter one email address, e.g. host@example.com, or nothing."))
#: A web address (http or https), or nothing.
WEB_ADDRESS_OR_EMPTY = validate.Regexp(
    r"^$|^https?://[!-~]+$", error=_l("Enter a full web address (https://...), or nothing."))


class SeriesName(fields.String):
    """The name of the event's series (empty: none); setting a new name makes the series."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.name if value is not None else ""


# --- events ------------------------------------------------------------------------------


class EventSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=20000))
    timezone = fields.String(validate=[validate.Length(max=64), _known_zone], metadata={
        "enum": list(zone_names()),
        "description": "IANA zone (Europe/Oslo). The default is the site's. Changing it "
                       "keeps the parts at the same time on the local clock."})
    status = fields.Enum(EventStatus, by_value=True, metadata={
        "description": "Cancelling tells the guests; publishing again tells them too."})
    rsvp_deadline = Instant(allow_none=True, metadata={
        "description": "Guests may answer until then. Null: no deadline."})
    reminder_days_before = whole(1, 60, allow_none=True, metadata={
        "description": "Remind those who have not answered this many days before the "
                       "deadline (needs a deadline). Null: no reminder."})
    alarm_minutes_before = whole_of(
        ALARM_MINUTES, allow_none=True,
        metadata={"description": "Calendar files carry an alarm this long before each "
                                 "part. Null: no alarm."})
    default_language = fields.String(validate=[validate.Length(max=8), _known_language],
                                     metadata={"enum": list(LANGUAGES)})
    host_name = fields.String(validate=validate.Length(max=120))
    host_email = fields.String(validate=[validate.Length(max=254), EMAIL_OR_EMPTY])
    host_phone = fields.String(validate=validate.Length(max=40))
    series = SeriesName(validate=validate.Length(max=120), metadata={
        "description": "The series this event is an edition of (\"Stoltzen\"): personal "
                       "bests compare across its editions. Empty: none."})
    series_id = fields.Integer(dump_only=True, allow_none=True)
    feedback_question = fields.String(validate=validate.Length(max=300))
    feedback_question_is_rating = Flag()
    feedback_request_days_after = whole_of(
        FEEDBACK_REQUEST_DAYS, allow_none=True,
        metadata={"description": "Ask those who came for feedback: 0 when the event ends, "
                                 "N at 09:00 on the Nth morning after. Null: by hand."})
    feedback_reminder_days = whole(1, 13, allow_none=True)
    owner_id = fields.Integer(dump_only=True)
    starts_at = AwareDateTime(dump_only=True, allow_none=True,
                              metadata={"description": "When the first part starts."})
    ends_at = AwareDateTime(dump_only=True, allow_none=True,
                            metadata={"description": "When the last part ends."})
    calendar_sequence = fields.Integer(dump_only=True)
    results_published_at = AwareDateTime(dump_only=True, allow_none=True)
    results_show_names = fields.Boolean(dump_only=True)
    check_in_used = fields.Boolean(dump_only=True)
    created_at = AwareDateTime(dump_only=True)
    updated_at = AwareDateTime(dump_only=True, metadata={
        "description": "Moves when the event or one of its parts changes."})


class EventChangeSchema(EventSchema):
    """The fields to change; those left out stay as they are."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, partial=True, **kwargs)


class EventListArgs(ListArgs):
    status = fields.Enum(EventStatus, by_value=True)
    series_id = fields.Integer(validate=validate.Range(min=1, max=LARGEST_ID))


def _event_details(data: dict, before: services.EventDetails | None
                   ) -> services.EventDetails:
    """What the organiser would have entered on the form: the fields given over the event
    as it is (or the defaults), the deadline on the event's clock."""
    values = asdict(before) if before is not None else {
        "title": "", "timezone": current_app.config["DEFAULT_EVENT_TIMEZONE"]}
    for name, value in data.items():
        if name == "series":
            values["series_name"] = value
        elif name != "rsvp_deadline":
            values[name] = value
    if "rsvp_deadline" in data:
        deadline = data["rsvp_deadline"]
        values["rsvp_deadline"] = wall_clock(deadline, values["timezone"]) if deadline else None
    if values.get("reminder_days_before") and not values.get("rsvp_deadline"):
        raise RefusedInput({"reminder_days_before": [str(_l(
            "A reminder needs an answer-by date."))]})
    return services.EventDetails(**values)


@bp.route("", methods=["GET"])
@needs_scope("events:read")
@bp.arguments(EventListArgs, location="query")
@bp.response(200, page_of(EventSchema, "Event"))
def list_events(args):
    """List the events

    The workspace's events, with `status` or `series_id` to narrow the list."""
    query = _caller_events().options(selectinload(Event.activities),
                                     selectinload(Event.series))
    if "status" in args:
        query = query.where(Event.status == args["status"])
    if "series_id" in args:
        query = query.where(Event.series_id == args["series_id"])
    return list_page(query, Event, args, kind="event", workspace_id=caller().workspace_id)


@bp.route("/<int:event_id>", methods=["GET"])
@needs_scope("events:read")
@bp.response(200, EventSchema)
def read_event(event_id: int):
    """Read an event"""
    return event_of_caller(event_id)


@bp.route("", methods=["POST"])
@needs_scope("events:write")
@bp.arguments(EventSchema)
@bp.response(201, EventSchema, headers={"Location": {"schema": {"type": "string"}}})
def create_event(data):
    """Make an event

    A draft unless `status` says otherwise; the token's maker is its owner. Add its parts
    next."""
    event = services.create_event(caller(), _event_details(data, None))
    db.session.refresh(event)
    return event, 201, {"Location": url_for("api_events.read_event", event_id=event.id,
                                            _external=True)}


@bp.route("/<int:event_id>", methods=["PATCH"])
@needs_scope("events:write")
@bp.arguments(EventChangeSchema)
@bp.response(200, EventSchema)
def change_event(data, event_id: int):
    """Change an event

    Only the fields sent change. Guests hear what concerns them (a cancellation, a part
    that moved with a new time zone), as when the organiser saves the event's page. Send
    `If-Match` with the ETag you read: if the event changed since, the answer is 412."""
    event = locked_event(event_id)
    check_if_match(EventSchema().dump(event))
    details = _event_details(data, services.event_details_of(event))
    services.change_event(event, details, utcnow(), by=caller())
    db.session.refresh(event)
    return event


# --- parts -------------------------------------------------------------------------------


class PartSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    event_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(ActivityKind, by_value=True, metadata={
        "description": "`standard` (a dinner) or `timed` (a race: goals and result times). "
                       "The default is `standard`."})
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    place_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=300))
    map_url = fields.String(validate=[validate.Length(max=500), WEB_ADDRESS_OR_EMPTY])
    capacity = whole(1, 100000, allow_none=True, metadata={
        "description": "Places (guests and their plus-ones); null: no limit. It cannot go "
                       "below the places confirmed; places it frees go to the waitlist."})
    notes = fields.String(validate=validate.Length(max=5000))
    latitude = Number(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = Number(allow_none=True, validate=validate.Range(min=-180, max=180))
    sequence = fields.Integer(dump_only=True, metadata={
        "description": "The part's iCalendar SEQUENCE: moves when its time or place does."})
    updated_at = AwareDateTime(dump_only=True)

    @validates_schema
    def _both_coordinates(self, data, **kwargs) -> None:
        if self.partial:
            return  # checked against the part as it is (``_part_details``)
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(str(_l("Give both latitude and longitude, or neither.")),
                                  "longitude")


class PartChangeSchema(PartSchema):
    """The fields to change; those left out stay as they are."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, partial=True, **kwargs)


def _part_details(data: dict, part: Activity | None, zone_name: str
                  ) -> services.ActivityDetails:
    """The part as the organiser would enter it: the fields given over the part as it is
    (``part``; None for a new one), its times on the event's clock."""
    values = asdict(services.activity_details_of(part)) if part is not None else {}
    values.update({name: value for name, value in data.items()
                   if name not in ("starts_at", "ends_at")})
    starts_at = data.get("starts_at") or part.starts_at
    ends_at = data.get("ends_at") or part.ends_at
    if ends_at <= starts_at:
        raise RefusedInput({"ends_at": [str(_l("A part must end after it starts."))]})
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        raise RefusedInput({"longitude": [str(_l(
            "Give both latitude and longitude, or neither."))]})
    values["starts_at"] = wall_clock(starts_at, zone_name)
    values["ends_at"] = wall_clock(ends_at, zone_name)
    return services.ActivityDetails(**values)


def _parts_location(event: Event, part: Activity) -> dict[str, str]:
    return {"Location": url_for("api_events.read_part", event_id=event.id, part_id=part.id,
                                _external=True)}


@bp.route("/<int:event_id>/parts", methods=["GET"])
@needs_scope("events:read")
@bp.arguments(ListArgs, location="query")
@bp.response(200, page_of(PartSchema, "Part"))
def list_parts(args, event_id: int):
    """List an event's parts"""
    event = event_of_caller(event_id)
    return list_page(select(Activity).where(Activity.event_id == event.id), Activity, args,
                     kind="part", workspace_id=event.workspace_id, event_id=event.id)


@bp.route("/<int:event_id>/parts/<int:part_id>", methods=["GET"])
@needs_scope("events:read")
@bp.response(200, PartSchema)
def read_part(event_id: int, part_id: int):
    """Read a part"""
    return part_of(event_of_caller(event_id), part_id)


@bp.route("/<int:event_id>/parts", methods=["POST"])
@needs_scope("events:write")
@bp.arguments(PartSchema)
@bp.response(201, PartSchema, headers={"Location": {"schema": {"type": "string"}}})
def add_part(data, event_id: int):
    """Add a part to an event"""
    event = locked_event(event_id)
    part = services.add_activity(event, _part_details(data, None, event.timezone),
                                 by=caller())
    db.session.flush()
    db.session.refresh(part)
    return part, 201, _parts_location(event, part)


@bp.route("/<int:event_id>/parts/<int:part_id>", methods=["PATCH"])
@needs_scope("events:write")
@bp.arguments(PartChangeSchema)
@bp.response(200, PartSchema, headers={"X-Promoted-From-Waitlist": {
    "schema": {"type": "integer"},
    "description": "How many guests a higher capacity gave a place (they are emailed)."}})
def change_part(data, event_id: int, part_id: int):
    """Change a part

    Only the fields sent change. A capacity below the places already confirmed is refused
    (409); a higher one gives places to the waitlist, first in line first; guests hear of a
    new time or place. Send `If-Match` with the ETag you read: if the part changed since,
    the answer is 412."""
    event = locked_event(event_id)
    part = part_of(event, part_id)
    check_if_match(PartSchema().dump(part))
    details = _part_details(data, part, event.timezone)
    change = services.change_part(part, details, utcnow(), by=caller())
    db.session.flush()
    db.session.refresh(part)
    return part, 200, {"X-Promoted-From-Waitlist": str(len(change.promoted))}


@bp.route("/<int:event_id>/parts/<int:part_id>", methods=["DELETE"])
@needs_scope("events:write")
@bp.response(204)
def remove_part(event_id: int, part_id: int):
    """Remove a part

    Its guests get a cancellation for their calendars; each guest's history keeps what
    they had answered. `If-Match` is honoured."""
    event = locked_event(event_id)
    part = part_of(event, part_id)
    check_if_match(PartSchema().dump(part))
    services.remove_part(part, utcnow(), by=caller())

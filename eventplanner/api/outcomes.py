"""What came of an event: goals and results of its timed parts (ranks, goals met, personal
bests, as the organiser's results page works them out), publishing the results to the
guests, and the guests' feedback (recommend scores, stars per part, comments) with the
NPS.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.api.calls import caller, needs_scope
from eventplanner.api.events import EventSchema, event_blueprint, event_of_caller, part_of
from eventplanner.api.invitations import SortedList, invitation_of
from eventplanner.api.json_fields import Flag, whole
from eventplanner.api.paging import list_page
from eventplanner.api.problems import RefusedInput
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.errors import NotFound
from eventplanner.events.models import Event
from eventplanner.extensions import db, utcnow
from eventplanner.feedback.models import Feedback
from eventplanner.feedback.nps import is_detractor, is_promoter
from eventplanner.feedback.services import feedback_results
from eventplanner.goals import services as goals
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.times import LONGEST, BadTime, format_duration, parse_duration
from eventplanner.invitations.models import Invitation

results_bp = event_blueprint("results", __name__,
                             "Goals and results of timed parts (a race), and publishing "
                             "the results to the guests.")
feedback_bp = event_blueprint("feedback", __name__,
                              "Guests' feedback after the event: recommend scores (NPS), "
                              "stars per part, comments.")


def _text_of(seconds: int | None) -> str | None:
    return format_duration(seconds) if seconds is not None else None


# --- goals -------------------------------------------------------------------------------


class GoalLineSchema(Schema):
    invitation_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    contact_name = fields.String(required=True)
    target_seconds = fields.Integer(allow_none=True, required=True)
    target = fields.String(allow_none=True, required=True, metadata={
        "description": "The target time as people write it (\"9:45\")."})
    previous_best_seconds = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The best time before: from the series' earlier editions, or the "
                       "one the guest told us."})
    previous_best = fields.String(allow_none=True, required=True)
    aim = fields.String(required=True, metadata={"description": "In words: \"just finish\"."})
    organiser_comment = fields.String(required=True)
    updated_at = AwareDateTime(allow_none=True, required=True)


class GoalListSchema(Schema):
    data = fields.List(fields.Nested(GoalLineSchema), required=True)


@results_bp.route("/<int:event_id>/parts/<int:part_id>/goals", methods=["GET"])
@needs_scope("guests:read")
@results_bp.response(200, GoalListSchema)
def list_goals(event_id: int, part_id: int):
    """List the goals for a timed part

    Every participant (a yes to the part) with their goal, the most ambitious target
    first, those without a goal last. A part that is not timed is a 409."""
    part = part_of(event_of_caller(event_id), part_id)
    lines = goals.goals_for(part)
    bests = {line.invitation.id: line.previous_best
             for line in goals.standings(part, caller())}
    data = []
    for person, goal in lines:
        best = bests.get(person.id)
        target = goal.target_seconds if goal else None
        data.append({
            "invitation_id": person.id, "contact_id": person.contact_id,
            "contact_name": person.contact.name, "target_seconds": target,
            "target": _text_of(target), "previous_best_seconds": best,
            "previous_best": _text_of(best), "aim": goal.aim if goal else "",
            "organiser_comment": goal.organiser_comment if goal else "",
            "updated_at": goal.updated_at if goal else None})
    return {"data": data}


# --- results -----------------------------------------------------------------------------


class StandingSchema(Schema):
    invitation_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    contact_name = fields.String(required=True)
    status = fields.Enum(ResultStatus, by_value=True, allow_none=True, required=True,
                         metadata={"description": "`finished`, `dnf` (did not finish), "
                                                  "`dns` (did not start); null: no result "
                                                  "yet."})
    time_seconds = fields.Integer(allow_none=True, required=True)
    time = fields.String(allow_none=True, required=True, metadata={
        "description": "The time as people write it (\"9:45\", \"1:02:03\")."})
    rank = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Among the finishers; equal times share a rank (1, 2, 2, 4)."})
    target_seconds = fields.Integer(allow_none=True, required=True)
    goal_difference_seconds = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Against the target: negative is faster."})
    goal_met = fields.Boolean(allow_none=True, required=True)
    previous_best_seconds = fields.Integer(allow_none=True, required=True)
    personal_best = fields.Boolean(required=True, metadata={
        "description": "Faster than every earlier time we know of."})
    first_time = fields.Boolean(required=True, metadata={
        "description": "A finishing time, and none known from before."})
    recorded_at = AwareDateTime(allow_none=True, required=True)


class StandingListSchema(Schema):
    data = fields.List(fields.Nested(StandingSchema), required=True)
    published_at = AwareDateTime(allow_none=True, required=True, metadata={
        "description": "When the results were published to the guests (null: not)."})


def _standing(line: goals.Standing) -> dict:
    result, goal = line.result, line.goal
    return {"invitation_id": line.invitation.id, "contact_id": line.invitation.contact_id,
            "contact_name": line.invitation.contact.name,
            "status": result.status if result else None, "time_seconds": line.time,
            "time": _text_of(line.time), "rank": line.rank,
            "target_seconds": goal.target_seconds if goal else None,
            "goal_difference_seconds": line.goal_difference, "goal_met": line.goal_met,
            "previous_best_seconds": line.previous_best,
            "personal_best": line.personal_best, "first_time": line.first_time,
            "recorded_at": result.recorded_at if result else None}


@results_bp.route("/<int:event_id>/parts/<int:part_id>/results", methods=["GET"])
@needs_scope("guests:read")
@results_bp.response(200, StandingListSchema)
def list_results(event_id: int, part_id: int):
    """List the results of a timed part

    The results list as the organiser's page shows it: finishers by time with their rank,
    then those who did not finish, did not start, or have no result yet. Goals met and
    personal bests are worked out from the series' earlier editions. A part that is not
    timed is a 409."""
    event = event_of_caller(event_id)
    part = part_of(event, part_id)
    return {"data": [_standing(line) for line in goals.standings(part, caller())],
            "published_at": event.results_published_at}


class ResultInput(StrictSchema):
    status = fields.Enum(ResultStatus, by_value=True, load_default=ResultStatus.FINISHED,
                         metadata={"description": "The default is `finished`."})
    time = fields.String(validate=validate.Length(min=1, max=20), metadata={
        "description": "A finishing time as people write it: m:ss, mm:ss or h:mm:ss."})
    time_seconds = whole(1, LONGEST, metadata={
        "description": "A finishing time in seconds (instead of `time`)."})

    @validates_schema
    def _one_time_for_finishers(self, data, **kwargs) -> None:
        given = [name for name in ("time", "time_seconds") if name in data]
        if data["status"] is ResultStatus.FINISHED and len(given) != 1:
            raise ValidationError(str(_l("A finisher has a time: give time or "
                                         "time_seconds.")), "time")
        if data["status"] is not ResultStatus.FINISHED and given:
            raise ValidationError(str(_l("Only a finisher has a time.")), given[0])


@results_bp.route("/<int:event_id>/parts/<int:part_id>/results/<int:invitation_id>",
                  methods=["PUT"])
@needs_scope("guests:write")
@results_bp.arguments(ResultInput)
@results_bp.response(200, StandingSchema)
def record_result(data, event_id: int, part_id: int, invitation_id: int):
    """Record a participant's result

    A time when they finished, none when they did not finish or start. Only for a guest
    who said yes to the part (else 422), and a timed part (else 409). Answers with their
    line of the results list, rank included."""
    event = event_of_caller(event_id)
    part = part_of(event, part_id)
    invitation = invitation_of(event, invitation_id)
    if "time_seconds" in data:
        time = format_duration(data["time_seconds"])
    else:
        time = data.get("time", "")
        if data["status"] is ResultStatus.FINISHED:
            try:
                parse_duration(time)
            except BadTime as error:
                raise RefusedInput({"time": [str(error.message)]}) from None
    goals.record_result(part, invitation, data["status"], time)
    line = next((line for line in goals.standings(part, caller())
                 if line.invitation.id == invitation.id), None)
    if line is None:  # not a participant: ``record_result`` refused already
        raise NotFound()
    return _standing(line)


class PublicationInput(StrictSchema):
    show_names = Flag(load_default=True, metadata={
        "description": "Guests see each other's names in the results (else only their "
                       "own)."})


@results_bp.route("/<int:event_id>/results/publication", methods=["POST"])
@needs_scope("guests:write")
@results_bp.arguments(PublicationInput, required=False)
@results_bp.response(200, EventSchema)
def publish_results(data, event_id: int):
    """Publish the results to the guests

    Guests see the results of the timed parts through their link from now on. Answers
    with the event (`results_published_at`)."""
    event = event_of_caller(event_id)
    goals.publish_results(event, data["show_names"], utcnow(), by=caller())
    db.session.refresh(event)
    return event


@results_bp.route("/<int:event_id>/results/publication", methods=["DELETE"])
@needs_scope("guests:write")
@results_bp.response(204)
def withdraw_results(event_id: int):
    """Hide the results from the guests again"""
    goals.withdraw_results(event_of_caller(event_id), by=caller())


# --- feedback ----------------------------------------------------------------------------


class NpsGroup(fields.String):
    """Promoter (9-10), passive (7-8) or detractor (0-6), from the score."""

    def _serialize(self, value, attr, obj, **kwargs):
        if is_promoter(value):
            return "promoter"
        return "detractor" if is_detractor(value) else "passive"


class PartRatingSchema(Schema):
    part_id = fields.Integer(attribute="activity_id", required=True)
    stars = fields.Integer(attribute="rating", required=True, metadata={
        "description": "1-5."})


class FeedbackSchema(Schema):
    id = fields.Integer(required=True)
    invitation_id = fields.Integer(required=True)
    contact_id = fields.Integer(attribute="invitation.contact_id", required=True)
    score = fields.Integer(required=True, metadata={
        "description": "How likely they are to recommend us to a colleague, 0-10."})
    nps_group = NpsGroup(attribute="score", dump_only=True, validate=validate.OneOf(
        ["promoter", "passive", "detractor"]))
    ratings = SortedList(fields.Nested(PartRatingSchema), required=True,
                         key=lambda rating: rating.activity_id,
                         metadata={"description": "Stars for the parts they attended."})
    did_well = fields.String()
    do_better = fields.String()
    invite_again = fields.Boolean(allow_none=True)
    custom_answer = fields.String(metadata={
        "description": "The answer to the event's own question (`feedback_question`)."})
    custom_rating = fields.Integer(allow_none=True)
    submitted_at = AwareDateTime()
    updated_at = AwareDateTime()


@feedback_bp.route("/<int:event_id>/feedback", methods=["GET"])
@needs_scope("guests:read")
@feedback_bp.arguments(ListArgs, location="query")
@feedback_bp.response(200, page_of(FeedbackSchema, "Feedback"))
def list_feedback(args, event_id: int):
    """List the guests' feedback

    One entry per guest who gave feedback; with `updated_since`, those given or changed
    since (an erasure removes the comments: the invitation's tombstone says so)."""
    event = event_of_caller(event_id)
    query = (select(Feedback).join(Invitation, Invitation.id == Feedback.invitation_id)
             .where(Invitation.event_id == event.id)
             .options(joinedload(Feedback.invitation), selectinload(Feedback.ratings)))
    return list_page(query, Feedback, args, kind="feedback",
                     workspace_id=event.workspace_id, event_id=event.id)


class NpsSchema(Schema):
    score = fields.Integer(allow_none=True, required=True, metadata={
        "description": "% promoters - % detractors, -100 to 100; null without answers."})
    promoters = fields.Integer(required=True)
    passives = fields.Integer(required=True)
    detractors = fields.Integer(required=True)
    answers = fields.Integer(required=True)


class PartAverageSchema(Schema):
    part_id = fields.Integer(required=True)
    part_name = fields.String(required=True)
    average_stars = fields.Float(allow_none=True, required=True)
    ratings = fields.Integer(required=True)


class FeedbackSummarySchema(Schema):
    nps = fields.Nested(NpsSchema, required=True)
    distribution = fields.List(fields.Integer(), required=True, metadata={
        "description": "How many answered 0, 1, ... 10."})
    parts = fields.List(fields.Nested(PartAverageSchema), required=True)
    asked = fields.Integer(required=True, metadata={
        "description": "Those on the list to ask, and anyone else who answered."})
    answered = fields.Integer(required=True)
    waiting = fields.Integer(required=True, metadata={
        "description": "Asked, and not answered yet."})


@feedback_bp.route("/<int:event_id>/feedback/summary", methods=["GET"])
@needs_scope("guests:read")
@feedback_bp.response(200, FeedbackSummarySchema)
def feedback_summary(event_id: int):
    """Sum up the feedback

    The NPS with its counts, the spread of the scores and each part's average stars, as
    the organiser's feedback page shows them."""
    event: Event = event_of_caller(event_id)
    results = feedback_results(event)
    nps = results.nps
    return {
        "nps": {"score": nps.score, "promoters": nps.promoters, "passives": nps.passives,
                "detractors": nps.detractors, "answers": nps.answers},
        "distribution": results.distribution,
        "parts": [{"part_id": part.id, "part_name": part.name,
                   "average_stars": round(average, 2) if average is not None else None,
                   "ratings": count}
                  for part, average, count in results.part_averages],
        "asked": len(results.audience), "answered": len(results.feedback),
        "waiting": len(results.waiting)}

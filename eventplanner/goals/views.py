"""The organiser's results sheet for a timed part, and publishing the results."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventplanner.access import Action, get_activity_for, get_event_for
from eventplanner.error_pages import render_error_page
from eventplanner.errors import DomainError, NotFound
from eventplanner.events.models import ActivityKind
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.goals import csv_results, services
from eventplanner.goals.forms import (
    GoalCommentForm,
    PublishResultsForm,
    ResultsSheetForm,
    ResultsUploadForm,
)
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash
from eventplanner.uploads import services as uploads
from eventplanner.uploads.forms import CheckedUploadForm

bp = organisers_only(Blueprint("goals", __name__, url_prefix="/events/<int:event_id>"))


def _timed_part(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    if activity.kind is not ActivityKind.TIMED:
        raise NotFound()
    return activity


def _refused(form):
    """A button's form that no page of ours sends (a tampered or broken request): 400,
    saying what was wrong, in the user's language."""
    return render_error_page(400, " ".join(
        str(error) for errors in form.errors.values() for error in errors))


@bp.route("/parts/<int:activity_id>/results", methods=["GET", "POST"])
@requires(Action.READ, Action.ORGANISE)
def results(event_id: int, activity_id: int):
    """Enter results quickly (type a time, Enter, next) and see the ranking and chart."""
    activity = _timed_part(event_id, activity_id)
    problems, sheet, status = {}, {}, 200
    if request.method == "POST":
        form = ResultsSheetForm.for_lines(i.id for i in services.participants(activity))
        sheet = form.lines()
        try:
            if not form.validate():
                raise services.ResultsRejected(form.problems())
            saved = services.record_results(activity, sheet, by=current_user)
        except services.ResultsRejected as rejected:
            db.session.rollback()
            activity = _timed_part(event_id, activity_id)
            problems, status = rejected.problems, 422
            flash(str(rejected.message), "error")
        else:
            db.session.commit()
            flash(ngettext("%(num)d result saved.", "%(num)d results saved.", saved), "success")
            return redirect(url_for("goals.results", event_id=event_id,
                                    activity_id=activity_id), code=303)
    lines = services.standings(activity, current_user)
    editions = services.series_summary(activity, current_user)
    listed = {line.invitation.id for line in lines}
    stray = [message for invitation_id, message in problems.items()
             if invitation_id not in listed]
    rows, ticks, height = services.goal_chart(lines)
    return render_template(
        "goals/results.html", event=activity.event, activity=activity, lines=lines,
        problems=problems, stray_problems=stray, sheet=sheet, chart_rows=rows,
        chart_ticks=ticks, chart_height=height, confirm_form=ConfirmForm(),
        publish_form=PublishResultsForm(activity_id=activity.id),
        editions=editions, upload_form=ResultsUploadForm()), status


@bp.route("/results/publish", methods=["POST"])
@requires(Action.ORGANISE)
def publish(event_id: int):
    event = get_event_for(current_user, event_id)
    form = PublishResultsForm()
    if not form.validate_on_submit():
        return _refused(form)
    services.publish_results(event, form.show_names.data, utcnow(), by=current_user)
    db.session.commit()
    flash(_("The results are published: guests see them through their link."), "success")
    part = form.activity_id.data
    if part and any(activity.id == part for activity in event.activities):
        return redirect(url_for("goals.results", event_id=event.id, activity_id=part))
    return redirect(url_for("events.show_event", event_id=event.id))


@bp.route("/results/withdraw", methods=["POST"])
@requires(Action.ORGANISE)
def withdraw(event_id: int):
    event = get_event_for(current_user, event_id)
    services.withdraw_results(event, by=current_user)
    db.session.commit()
    flash(_("The results are hidden from guests again."), "success")
    return redirect(url_for("events.show_event", event_id=event.id))


@bp.route("/parts/<int:activity_id>/goals")
@requires(Action.READ)
def goals(event_id: int, activity_id: int):
    """Everyone's goal for the race, with their history in the series."""
    return _goals_page(_timed_part(event_id, activity_id))


def _goals_page(activity, status: int = 200):
    lines = services.goals_for(activity)
    history = services.series_history(activity, [i.contact_id for i, _goal in lines],
                                      current_user)
    return render_template("goals/goals.html", event=activity.event, activity=activity,
                           lines=lines, history=history, confirm_form=ConfirmForm()), status


@bp.route("/parts/<int:activity_id>/goals/<int:goal_id>/comment", methods=["POST"])
@requires(Action.ORGANISE)
def comment(event_id: int, activity_id: int, goal_id: int):
    activity = _timed_part(event_id, activity_id)
    goal = services.get_goal_of(activity, goal_id)
    form = GoalCommentForm()
    if not form.validate_on_submit():
        for message in form.comment.errors:
            flash(str(message), "error")
        return _goals_page(activity, 422)
    services.comment_on_goal(goal, form.comment.data or "")
    db.session.commit()
    flash(_("Comment saved: the guest sees it beside their goal."), "success")
    return redirect(url_for("goals.goals", event_id=event_id, activity_id=activity_id))


@bp.route("/parts/<int:activity_id>/results/email", methods=["POST"])
@requires(Action.ORGANISE)
def email_results(event_id: int, activity_id: int):
    activity = _timed_part(event_id, activity_id)
    count = commit_or_flash(lambda: services.email_results(activity, utcnow()))
    if count is not None:
        flash(ngettext("%(num)d results email queued.", "%(num)d results emails queued.",
                       count), "success")
    return redirect(url_for("goals.results", event_id=event_id, activity_id=activity_id))


def _results_purpose(activity) -> str:
    """The upload store's purpose for a part's results file between preview and save."""
    return f"results:{activity.id}"


@bp.route("/parts/<int:activity_id>/results/import", methods=["POST"])
@requires(Action.ORGANISE)
def import_results(event_id: int, activity_id: int):
    """Upload: show every row matched or refused. Nothing is saved yet."""
    activity = _timed_part(event_id, activity_id)
    form = ResultsUploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors:
            flash(str(message), "error")
        return redirect(url_for("goals.results", event_id=event_id, activity_id=activity_id))
    data = form.file.data.read()
    try:
        rows = csv_results.read_results(activity, data)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("goals.results", event_id=event_id, activity_id=activity_id))
    key = uploads.keep_upload(current_user, _results_purpose(activity), data, utcnow())
    db.session.commit()
    return render_template("goals/import_preview.html", event=activity.event,
                           activity=activity, rows=rows, form=CheckedUploadForm(upload=key),
                           problems=sum(1 for row in rows if row.problem))


@bp.route("/parts/<int:activity_id>/results/import/confirm", methods=["POST"])
@requires(Action.ORGANISE)
def confirm_results_import(event_id: int, activity_id: int):
    """Read the same file again and save it, only if every row is right."""
    activity = _timed_part(event_id, activity_id)
    back = redirect(url_for("goals.results", event_id=event_id, activity_id=activity_id))
    form = CheckedUploadForm()
    try:
        rows = csv_results.read_results(activity, uploads.take_upload(
            current_user, _results_purpose(activity), form.upload.data, utcnow()))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return back
    if any(row.problem for row in rows):
        flash(_("Some rows are wrong: nothing was saved. Fix the file and upload it again."),
              "error")
        return back
    saved = services.record_results(
        activity, {row.invitation.id: (row.status, row.time) for row in rows}, by=current_user)
    db.session.commit()
    flash(ngettext("%(num)d result saved.", "%(num)d results saved.", saved), "success")
    return back

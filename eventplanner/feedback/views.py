"""The organiser's reading of an event's feedback, and asking for it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventplanner.access import Action, get_event_for
from eventplanner.audit.services import record_export
from eventplanner.extensions import utcnow
from eventplanner.feedback import services
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.spreadsheets import csv_bytes, csv_delimiter, csv_download
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("feedback", __name__, url_prefix="/events/<int:event_id>"))


@bp.route("/feedback")
@requires(Action.READ)
def results(event_id: int):
    event = get_event_for(current_user, event_id)
    trend = services.series_feedback_trend(event, current_user)
    part_names = list(dict.fromkeys(name for edition in trend for name in edition.part_averages))
    return render_template("feedback/results.html", event=event,
                           results=services.feedback_results(event), form=ConfirmForm(),
                           trend=trend if len(trend) > 1 else [], trend_parts=part_names,
                           window=services.feedback_window(event),
                           scheduled_at=services.feedback_request_due_at(event), now=utcnow())


@bp.route("/feedback/request", methods=["POST"])
@requires(Action.ORGANISE)
def request_feedback(event_id: int):
    """Keep the ticked list; with "ask now", email those on it who were not asked yet."""
    event = get_event_for(current_user, event_id)
    ticked = set(request.form.getlist("invitation", type=int))
    ask_now = request.form.get("action") == "ask"
    count = commit_or_flash(lambda: services.ask_for_feedback(event, ticked, ask_now,
                                                               utcnow()))
    if count is not None:
        flash(ngettext("%(num)d feedback request queued.", "%(num)d feedback requests queued.",
                       count) if ask_now else _("The list is saved."), "success")
    return redirect(url_for("feedback.results", event_id=event.id))


@bp.route("/feedback.csv")
@requires(Action.READ)
def export_feedback(event_id: int):
    event = get_event_for(current_user, event_id)
    rows = services.feedback_rows(event, services.feedback_of_event(event))
    record_export(current_user, event, "feedback.exported", len(rows) - 1)
    return csv_download(csv_bytes(rows, csv_delimiter(current_user.language)),
                        f"feedback-{event.id}.csv")

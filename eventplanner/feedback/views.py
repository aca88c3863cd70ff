"""The organiser's reading of an event's feedback, and asking for it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from eventplanner.auth.access import organisers_only
from eventplanner.errors import commit_or_flash
from eventplanner.events.services import get_event_for
from eventplanner.extensions import utcnow
from eventplanner.feedback import services
from eventplanner.form_fields import ConfirmForm

bp = organisers_only(Blueprint("feedback", __name__, url_prefix="/events/<int:event_id>"))


@bp.route("/feedback")
def results(event_id: int):
    event = get_event_for(current_user, event_id)
    return render_template("feedback/results.html", event=event,
                           results=services.feedback_results(event), form=ConfirmForm(),
                           window=services.feedback_window(event), now=utcnow())


@bp.route("/feedback/request", methods=["POST"])
def request_feedback(event_id: int):
    event = get_event_for(current_user, event_id)
    count = commit_or_flash(lambda: services.request_feedback(event, utcnow()))
    if count is not None:
        flash(ngettext("%(num)d feedback request queued.", "%(num)d feedback requests queued.",
                       count), "success")
    return redirect(url_for("feedback.results", event_id=event.id))

"""The organiser's list of mail that came back for an event: calendar answers (applied, or
why not), proposals of another time, delivery reports and automatic replies."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, get_event_for
from eventplanner.errors import NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.inbox import labels, services
from eventplanner.inbox.models import IncomingMail
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("inbox", __name__, url_prefix="/events/<int:event_id>/incoming"))

PER_PAGE = 50


@bp.app_context_processor
def inbox_labels() -> dict:
    return {"incoming_kind_label": labels.kind_label,
            "incoming_outcome_label": labels.outcome_label,
            "incoming_reason_label": labels.reason_label,
            "incoming_answer_label": labels.partstat_label}


@bp.route("/")
@requires(Action.READ)
def incoming(event_id: int):
    event = get_event_for(current_user, event_id)
    page = max(request.args.get("page", 1, int), 1)
    mails = services.incoming_mail_of(event.id, page, PER_PAGE)
    return render_template("inbox/incoming.html", event=event, mails=mails[:PER_PAGE],
                           page=page, has_next=len(mails) > PER_PAGE, form=ConfirmForm())


@bp.route("/<int:mail_id>/apply", methods=["POST"])
@requires(Action.ORGANISE)
def apply_answer(event_id: int, mail_id: int):
    """The organiser confirms that an answer from another address is the guest's."""
    event = get_event_for(current_user, event_id)
    mail = db.session.get(IncomingMail, mail_id)
    if mail is None or mail.event_id != event.id:
        raise NotFound()
    if ConfirmForm().validate_on_submit():
        applied = commit_or_flash(lambda: services.confirm_answer(mail, current_user, utcnow()))
        if applied:
            flash(_("The answer is applied for %(name)s.", name=mail.invitation.contact.name),
                  "success")
        elif applied is False:
            flash(_("Not applied: %(reason)s", reason=labels.reason_label(mail)), "error")
    return redirect(url_for("inbox.incoming", event_id=event.id), code=303)

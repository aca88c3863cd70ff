"""The organiser's outbox: every email about their events, and a retry for failures."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action
from eventplanner.extensions import utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.mail import outbox
from eventplanner.mail.delivery import queue_again
from eventplanner.mail.models import MessageStatus
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("mail", __name__, url_prefix="/outbox"))



@bp.route("/")
@requires(Action.READ)
def outbox_page():
    status = request.args.get("status", "")
    wanted = MessageStatus(status) if status in set(MessageStatus) else None
    messages = outbox.messages_for(current_user, wanted)
    return render_template("mail/outbox.html", messages=messages, status=status,
                           statuses=MessageStatus, counts=outbox.status_counts(current_user),
                           form=ConfirmForm())


@bp.route("/<int:message_id>")
@requires(Action.READ)
def show_message(message_id: int):
    message = outbox.get_message_for(current_user, message_id)
    return render_template("mail/message.html", message=message, form=ConfirmForm())


@bp.route("/<int:message_id>/retry", methods=["POST"])
@requires(Action.ORGANISE)
def retry(message_id: int):
    message = outbox.get_message_for(current_user, message_id)
    if commit_or_flash(lambda: queue_again(message, utcnow())):
        flash(_("The email is back in the queue."), "success")
    return redirect(url_for("mail.outbox_page"))

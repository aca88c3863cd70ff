"""The guest's pages, reached through the personal link: no account, no organiser session."""

from __future__ import annotations

import re

from flask import Blueprint, g, redirect, render_template, request, url_for

from eventplanner.errors import DomainError
from eventplanner.extensions import db, utcnow
from eventplanner.invitations import services
from eventplanner.invitations.models import AnswerStatus
from eventplanner.rsvp.forms import PART_FIELD_PREFIX, answer_form_for

bp = Blueprint("rsvp", __name__, url_prefix="/r")

PART_FIELD = re.compile(rf"^{PART_FIELD_PREFIX}(\d+)$")


@bp.after_request
def keep_links_private(response):
    """Personal links must not leak through the Referer header, search engines or caches."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(services.LinkNotValid)
def link_not_valid(error):
    return render_template("rsvp/link_invalid.html", message=error.message), 404


def _invitation(token: str):
    invitation = services.find_invitation_by_token(token)
    g.guest_language = invitation.guest_language
    return invitation


def _page(invitation, token: str, form=None, error: DomainError | None = None, saved=False):
    event = invitation.event
    now = utcnow()
    positions = {r.activity_id: services.waitlist_position(r) for r in invitation.responses
                 if r.status is AnswerStatus.WAITLISTED}
    return render_template(
        "rsvp/guest_page.html", invitation=invitation, event=event, token=token,
        form=form if event.accepts_answers(now) else None, error=error, saved=saved,
        waitlist_positions=positions, contact=invitation.contact,
    ), (error.status_code if error else (422 if form is not None and form.errors else 200))


@bp.route("/<token>", methods=["GET"])
def guest_page(token: str):
    invitation = _invitation(token)
    if services.record_opened(invitation, utcnow()):
        db.session.commit()
    return _page(invitation, token, answer_form_for(invitation, formdata=None),
                 saved=request.args.get("saved") == "1")


@bp.route("/<token>", methods=["POST"])
def answer(token: str):
    invitation = _invitation(token)
    form = answer_form_for(invitation)
    foreign = {int(m.group(1)) for key in request.form if (m := PART_FIELD.match(key))}
    if foreign - set(form.part_ids):
        return _page(invitation, token, form, services.UnknownPart())
    if not form.validate_on_submit():
        return _page(invitation, token, form)
    try:
        services.respond_to_invitation(invitation, form.answer(), utcnow())
    except DomainError as error:
        db.session.rollback()
        return _page(services.find_invitation_by_token(token), token, form, error)
    db.session.commit()
    return redirect(url_for("rsvp.guest_page", token=token, saved=1), code=303)


@bp.route("/<path:anything>")
def mangled_link(anything: str):
    """A link broken by a mail program (cut, or with extra path): the same friendly page."""
    raise services.LinkNotValid()

"""The check-in pages: the organiser's (logged in) and a helper's (by their link only).

Both serve the same door page; what differs is who is let in and what the links carry
(``event_id`` for the organiser, ``token`` for a helper).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, get_event_for
from eventplanner.checkin import services
from eventplanner.error_pages import status_for
from eventplanner.errors import DomainError, NotFound
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.seating.printing import tables_by_invitation
from eventplanner.security import private_link_pages
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("checkin", __name__, url_prefix="/events/<int:event_id>/check-in"))
door = Blueprint("door", __name__, url_prefix="/door/<token>")
private_link_pages(door)


@door.before_request
def load_helper() -> None:
    """Every helper page starts from the link: a revoked or wrong one opens nothing.
    (After the check on links that do not exist, which ``private_link_pages`` put first.)"""
    g.helper = services.find_helper((request.view_args or {}).get("token", ""))


# --- who is at the door -----------------------------------------------------------------

def _organiser_event(event_id: int) -> Event:
    event = get_event_for(current_user, event_id)
    g.door_blueprint, g.door_args, g.door_actor = "checkin", {"event_id": event_id}, \
        current_user.name
    return event


def _helper_event(token: str) -> Event:
    g.door_blueprint, g.door_args, g.door_actor = "door", {"token": token}, g.helper.name
    return g.helper.event


def _part(event: Event, activity_id: int) -> Activity:
    activity = next((a for a in event.activities if a.id == activity_id), None)
    if activity is None:
        raise NotFound()
    return activity


# --- the shared pages -------------------------------------------------------------------

def _parts_page(event: Event, **extra):
    return render_template("checkin/parts.html", event=event, door=g.door_blueprint,
                           door_args=g.door_args, **extra)


def _door_page(event: Event, activity: Activity, status: int = 200):
    search = request.args.get("q", "")[:100]
    listing = services.door_list(activity)
    return render_template("checkin/door.html", event=event, activity=activity,
                           listing=listing, lines=listing.matching(search), search=search,
                           tables=tables_by_invitation(activity),
                           form=ConfirmForm(), door=g.door_blueprint, door_args=g.door_args,
                           helper=g.get("helper")), status


def _back_to_door(activity: Activity, anchor: str | None = None):
    return redirect(url_for(f"{g.door_blueprint}.door_page", activity_id=activity.id,
                            q=request.form.get("q") or None, _anchor=anchor, **g.door_args),
                    code=303)


def _mark(event: Event, activity_id: int, invitation_id: int):
    activity = _part(event, activity_id)
    invitation = services.get_guest_at(activity, invitation_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return _back_to_door(activity)
    arriving = request.form.get("action") != "out"

    def change() -> None:
        if arriving:
            services.check_in(activity, invitation, g.door_actor, utcnow())
        else:
            services.undo_check_in(activity, invitation)

    commit_or_flash(change)
    return _back_to_door(activity, f"guest-{invitation.id}")


def _scan(event: Event, activity_id: int):
    """A code from the guest's QR code (typed by a scanner, or read by the camera)."""
    activity = _part(event, activity_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return _back_to_door(activity)
    try:
        invitation = services.invitation_for_code(event, request.form.get("code", "")[:100])
        services.check_in(activity, invitation, g.door_actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _door_page(event, activity, status_for(error))
    db.session.commit()
    flash(_("%(name)s is checked in.", name=invitation.contact.name), "success")
    return _back_to_door(activity, f"guest-{invitation.id}")


# --- the organiser's routes -------------------------------------------------------------

@bp.route("/")
@requires(Action.READ)
def parts(event_id: int):
    event = _organiser_event(event_id)
    return _parts_page(event, helpers=services.helpers_of(event), link=services.helper_link,
                       form=ConfirmForm())


@bp.route("/<int:activity_id>")
@requires(Action.READ)
def door_page(event_id: int, activity_id: int):
    event = _organiser_event(event_id)
    return _door_page(event, _part(event, activity_id))


@bp.route("/<int:activity_id>/guests/<int:invitation_id>", methods=["POST"])
@requires(Action.ORGANISE)
def mark(event_id: int, activity_id: int, invitation_id: int):
    return _mark(_organiser_event(event_id), activity_id, invitation_id)


@bp.route("/<int:activity_id>/code", methods=["POST"])
@requires(Action.ORGANISE)
def scan(event_id: int, activity_id: int):
    return _scan(_organiser_event(event_id), activity_id)


@bp.route("/helpers", methods=["POST"])
@requires(Action.ORGANISE)
def add_helper(event_id: int):
    event = _organiser_event(event_id)
    if ConfirmForm().validate_on_submit() and commit_or_flash(
            lambda: services.add_helper(event, request.form.get("name", ""))):
        flash(_("The helper's link is ready: send it to them."), "success")
    return redirect(url_for("checkin.parts", event_id=event.id, _anchor="helpers"))


@bp.route("/helpers/<int:helper_id>/revoke", methods=["POST"])
@requires(Action.ORGANISE)
def revoke_helper(event_id: int, helper_id: int):
    event = _organiser_event(event_id)
    helper = services.get_helper_of(event, helper_id)
    if ConfirmForm().validate_on_submit() and commit_or_flash(
            lambda: services.revoke_helper(helper, utcnow()) or True):
        flash(_("The link of %(name)s no longer works.", name=helper.name), "success")
    return redirect(url_for("checkin.parts", event_id=event.id, _anchor="helpers"))


# --- a helper's routes ------------------------------------------------------------------

@door.route("/", endpoint="parts")
def parts_for_helper(token: str):
    return _parts_page(_helper_event(token))


@door.route("/<int:activity_id>", endpoint="door_page")
def door_page_for_helper(token: str, activity_id: int):
    event = _helper_event(token)
    return _door_page(event, _part(event, activity_id))


@door.route("/<int:activity_id>/guests/<int:invitation_id>", methods=["POST"], endpoint="mark")
def mark_for_helper(token: str, activity_id: int, invitation_id: int):
    return _mark(_helper_event(token), activity_id, invitation_id)


@door.route("/<int:activity_id>/code", methods=["POST"], endpoint="scan")
def scan_for_helper(token: str, activity_id: int):
    return _scan(_helper_event(token), activity_id)

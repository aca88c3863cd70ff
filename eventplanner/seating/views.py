"""The table plan of a part: its tables, who sits where, the unseated, and the suggestion.

Every change is a form (Post/Redirect/Get); moving a person also answers JSON to the page's
script (drag and drop), through the same service: ``{"ok": true, ...}``, or the refusal's
message with its status (409 for a full table).
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventplanner.access import Action, get_activity_for, may_on_event
from eventplanner.error_pages import status_for
from eventplanner.errors import DomainError
from eventplanner.extensions import db
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.seating import services
from eventplanner.seating.forms import (
    SHAPE_LABELS,
    AddTablesForm,
    DeleteTableForm,
    PinForm,
    SeatForm,
    SuggestForm,
    TableForm,
)
from eventplanner.seating.models import TableShape
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("seating", __name__,
                               url_prefix="/events/<int:event_id>/parts/<int:activity_id>"))


def _plan_url(event_id: int, activity_id: int, anchor: str = "") -> str:
    return url_for("seating.plan", event_id=event_id, activity_id=activity_id) + anchor


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(error) for error in errors), "error")


def _flash_expired() -> None:
    flash(_("The form had expired. Try again."), "error")


@bp.route("/tables")
@requires(Action.READ)
def plan(event_id: int, activity_id: int):
    """The plan: tables with their people and free seats, the unseated, who left."""
    activity = get_activity_for(current_user, event_id, activity_id)
    plan_view = services.plan_of(activity)
    return render_template(
        "seating/plan.html", event=activity.event, activity=activity, plan=plan_view,
        departures=services.departures_since_plan(activity),
        organises=may_on_event(current_user, Action.ORGANISE, activity.event),
        add_form=AddTablesForm(), suggest_form=SuggestForm(), confirm_form=ConfirmForm(),
        shape_labels=SHAPE_LABELS,
        table_form=lambda table: TableForm(prefix=f"t{table.id}", data={
            "name": table.name, "seats": table.seats, "shape": table.shape.value}),
        delete_form=DeleteTableForm(), seat_form=SeatForm(), pin_form=PinForm())


@bp.route("/tables", methods=["POST"])
@requires(Action.ORGANISE)
def add_tables(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    form = AddTablesForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        added = commit_or_flash(lambda: services.add_tables(
            activity, current_user, count=form.count.data, seats=form.seats.data,
            shape=TableShape(form.shape.data), name=form.name.data or ""))
        if added:
            flash(ngettext("%(num)d table added.", "%(num)d tables added.", len(added)),
                  "success")
    return redirect(_plan_url(event_id, activity_id), code=303)


@bp.route("/tables/<int:table_id>", methods=["POST"])
@requires(Action.ORGANISE)
def change_table(event_id: int, activity_id: int, table_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    table = services.get_table(activity, table_id)
    form = TableForm(prefix=f"t{table.id}")
    if not form.validate_on_submit():
        _flash_form_errors(form)
    elif commit_or_flash(lambda: services.change_table(
            table, current_user, name=form.name.data, seats=form.seats.data,
            shape=TableShape(form.shape.data))):
        flash(_("The table is saved."), "success")
    return redirect(_plan_url(event_id, activity_id, f"#table-{table_id}"), code=303)


@bp.route("/tables/<int:table_id>/delete", methods=["POST"])
@requires(Action.ORGANISE)
def delete_table(event_id: int, activity_id: int, table_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    table = services.get_table(activity, table_id)
    form = DeleteTableForm()
    if form.validate_on_submit():
        unseated = commit_or_flash(lambda: services.delete_table(
            table, current_user, unseat=form.unseat.data))
        if unseated is not None:
            flash(ngettext("The table is deleted; %(num)d person is unseated.",
                           "The table is deleted; %(num)d people are unseated.", unseated)
                  if unseated else _("The table is deleted."), "success")
    else:
        _flash_form_errors(form)
    return redirect(_plan_url(event_id, activity_id), code=303)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/seats", methods=["POST"])
@requires(Action.ORGANISE)
def seat_person(event_id: int, activity_id: int):
    """Seat a person at a table, move them, or (table 0) unseat them: from the person's
    form, or as JSON from the page's drag and drop."""
    activity = get_activity_for(current_user, event_id, activity_id)
    form = SeatForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json():
            return jsonify(ok=False, message=message), 422
        flash(message, "error")
        return redirect(_plan_url(event_id, activity_id), code=303)
    try:
        if form.table_id.data == 0:
            services.unseat_person(activity, form.person.data, current_user)
            answer = {"ok": True, "table_id": 0}
        else:
            place = services.seat_person(activity, form.person.data, form.table_id.data,
                                         current_user, seat=form.seat.data)
            answer = {"ok": True, "table_id": place.table_id, "seat": place.seat}
    except DomainError as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=str(error.message)), status_for(error)
        flash(str(error.message), "error")
        return redirect(_plan_url(event_id, activity_id), code=303)
    db.session.commit()
    if _wants_json():
        return jsonify(answer)
    return redirect(_plan_url(event_id, activity_id, f"#table-{answer['table_id']}"
                              if answer["table_id"] else "#unseated"), code=303)


@bp.route("/seats/pin", methods=["POST"])
@requires(Action.ORGANISE)
def pin_person(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    form = PinForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.pin_person(activity, form.person.data,
                                                    form.pinned.data))
    else:
        _flash_form_errors(form)
    return redirect(_plan_url(event_id, activity_id), code=303)


@bp.route("/tables/suggest", methods=["POST"])
@requires(Action.ORGANISE)
def suggest_plan(event_id: int, activity_id: int):
    """Suggest a plan: pinned people stay; the unpinned seats are replaced once the
    organiser has ticked that they may be."""
    activity = get_activity_for(current_user, event_id, activity_id)
    form = SuggestForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(_plan_url(event_id, activity_id), code=303)
    report = commit_or_flash(lambda: services.suggest_for(
        activity, current_user, replace=form.replace.data))
    if report is not None:
        flash(ngettext("A plan is suggested: %(num)d person seated.",
                       "A plan is suggested: %(num)d people seated.", report.seated),
              "success")
        if report.unseated:
            flash(" ".join([ngettext("%(num)d person could not be seated.",
                                     "%(num)d people could not be seated.", report.unseated),
                            *report.problems]), "error")
    return redirect(_plan_url(event_id, activity_id), code=303)


@bp.route("/tables/clear", methods=["POST"])
@requires(Action.ORGANISE)
def clear_unpinned(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    if ConfirmForm().validate_on_submit():
        count = commit_or_flash(lambda: services.clear_unpinned(activity, current_user))
        if count is not None:
            flash(ngettext("%(num)d person unseated.", "%(num)d people unseated.", count),
                  "success")
    else:
        _flash_expired()
    return redirect(_plan_url(event_id, activity_id), code=303)


@bp.route("/tables/departures-noted", methods=["POST"])
@requires(Action.ORGANISE)
def note_departures(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    if ConfirmForm().validate_on_submit():
        commit_or_flash(lambda: services.note_departures(activity, current_user))
    else:
        _flash_expired()
    return redirect(_plan_url(event_id, activity_id), code=303)

"""A part's table plan on paper: the plan drawn (a page and an .svg), place cards (PDF),
the door list (a page and CSV), and whether guests see their table on the day."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from eventplanner.access import Action, get_activity_for
from eventplanner.audit.services import record_export
from eventplanner.events.models import Activity
from eventplanner.form_fields import Form
from eventplanner.pdf import html_to_pdf
from eventplanner.permissions import organisers_only, requires
from eventplanner.seating import printing
from eventplanner.seating.drawing import plan_svg
from eventplanner.spreadsheets import csv_bytes, csv_delimiter, csv_download
from eventplanner.transactions import commit_or_flash


class GuestsSeeTableForm(Form):
    shown = BooleanField(_l("Guests see their table on their page on the day of the part"))


bp = organisers_only(Blueprint(
    "seating_print", __name__,
    url_prefix="/events/<int:event_id>/activities/<int:activity_id>/table-plan"))


def _plan(event_id: int, activity_id: int) -> tuple[Activity, printing.PartPlan]:
    activity = get_activity_for(current_user, event_id, activity_id)
    return activity, printing.part_plan(activity)


def _title(activity: Activity) -> str:
    return _("Table plan: %(part)s", part=activity.name)


@bp.route("/print")
@requires(Action.READ)
def print_page(event_id: int, activity_id: int):
    """The plan drawn, ready to print, with the links to the cards and the door list."""
    activity, plan = _plan(event_id, activity_id)
    return render_template("seating/print_plan.html", event=activity.event, activity=activity,
                           plan=plan, svg=plan_svg(plan, _title(activity)),
                           form=GuestsSeeTableForm(data={"shown": activity.guests_see_table}))


@bp.route("/plan.svg")
@requires(Action.READ)
def plan_download(event_id: int, activity_id: int):
    activity, plan = _plan(event_id, activity_id)
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + plan_svg(plan, _title(activity))
    return Response(svg, mimetype="image/svg+xml", headers={
        "Content-Disposition": f'attachment; filename="table-plan-{activity.id}.svg"'})


@bp.route("/place-cards.pdf")
@requires(Action.READ)
def place_cards(event_id: int, activity_id: int):
    """Folded place cards, four to an A4 page, each in its person's language."""
    activity, plan = _plan(event_id, activity_id)
    cards = printing.place_cards(plan)
    html = render_template("seating/print_place_cards.html", activity=activity,
                           sheets=[cards[start:start + 4] for start in range(0, len(cards), 4)])
    record_export(current_user, activity.event, "place_cards.printed", len(cards))
    return Response(html_to_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="place-cards-{activity.id}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.route("/door-list")
@requires(Action.READ)
def door_list(event_id: int, activity_id: int):
    """Everyone at the part by surname with their table, for the door."""
    activity, plan = _plan(event_id, activity_id)
    return render_template("seating/print_door_list.html", event=activity.event,
                           activity=activity,
                           lines=printing.door_list(plan, current_user.language))


@bp.route("/door-list.csv")
@requires(Action.READ)
def door_list_export(event_id: int, activity_id: int):
    activity, plan = _plan(event_id, activity_id)
    lines = printing.door_list(plan, current_user.language)
    body = csv_bytes(printing.door_list_rows(lines), csv_delimiter(current_user.language))
    record_export(current_user, activity.event, "door_list.exported", len(lines))
    return csv_download(body, f"door-list-{activity.id}.csv")


@bp.route("/guests-see-table", methods=["POST"])
@requires(Action.READ, Action.ORGANISE)
def guests_see_table(event_id: int, activity_id: int):
    """Let the part's guests see their table on their page on the day, or stop."""
    activity = get_activity_for(current_user, event_id, activity_id)
    form = GuestsSeeTableForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
    elif commit_or_flash(lambda: printing.show_tables_to_guests(
            activity, form.shown.data, current_user)):
        flash(_("Guests now see their table on their page on the day.") if form.shown.data
              else _("Guests no longer see their table on their page."), "success")
    return redirect(url_for("seating_print.print_page", event_id=event_id,
                            activity_id=activity_id))

"""The hosts page (who hosts the event, who hosts whom) and each host's briefing."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventplanner.access import Action, get_event_for
from eventplanner.briefings.forms import (
    NO_CHOICE,
    BriefingScheduleForm,
    CompanyHostForm,
    GuestHostsForm,
    HostsForm,
)
from eventplanner.briefings.sending import briefing_due_at, set_briefing_schedule
from eventplanner.briefings.services import briefing_for, hosting_row
from eventplanner.contacts.services import members_of
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.invitations import hosts as hosting
from eventplanner.pdf import html_to_pdf
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("briefings", __name__))


def _hosts_page(event_id: int):
    return redirect(url_for("briefings.hosts", event_id=event_id))


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")


@bp.route("/events/<int:event_id>/hosts")
@requires(Action.READ)
def hosts(event_id: int):
    event = get_event_for(current_user, event_id)
    hosts, grouped = hosting.guests_by_host(event)
    members = members_of(event.workspace_id)
    companies = sorted({g.contact.company for group in grouped.values() for g in group
                        if g.contact.company is not None}, key=lambda c: c.name.lower())
    return render_template(
        "briefings/hosts.html", event=event, hosts=hosts, grouped=grouped,
        hosts_form=HostsForm.for_members(members, data={"host_ids": [h.id for h in hosts]}),
        guests_form=GuestHostsForm.for_hosts(hosts),
        company_form=CompanyHostForm.for_choices(companies, hosts),
        schedule_form=BriefingScheduleForm(data={"days_before": event.briefing_days_before}),
        briefing_due_at=briefing_due_at(event), confirm_form=ConfirmForm(),
        members=members)


@bp.route("/events/<int:event_id>/hosts", methods=["POST"])
@requires(Action.ORGANISE)
def set_hosts(event_id: int):
    event = get_event_for(current_user, event_id)
    form = HostsForm.for_members(members_of(event.workspace_id))
    if not form.validate_on_submit():
        _flash_errors(form)
    elif commit_or_flash(lambda: hosting.set_event_hosts(
            event, form.host_ids.data or [], current_user)) is not None:
        flash(_("The hosts are saved."), "success")
    return _hosts_page(event.id)


@bp.route("/events/<int:event_id>/hosts/guests", methods=["POST"])
@requires(Action.ORGANISE)
def assign_guests(event_id: int):
    event = get_event_for(current_user, event_id)
    form = GuestHostsForm.for_hosts(hosting.event_hosts(event))
    if not form.validate_on_submit():
        _flash_errors(form)
        return _hosts_page(event.id)
    host_id = None if form.host_id.data == NO_CHOICE else form.host_id.data
    changed = commit_or_flash(lambda: hosting.assign_host(
        event, form.invitation_ids.data, host_id, current_user))
    if changed is not None:
        flash(ngettext("%(num)d guest has a new host.", "%(num)d guests have a new host.",
                       changed), "success")
    return _hosts_page(event.id)


@bp.route("/events/<int:event_id>/hosts/company", methods=["POST"])
@requires(Action.ORGANISE)
def assign_company(event_id: int):
    event = get_event_for(current_user, event_id)
    hosts, grouped = hosting.guests_by_host(event)
    companies = {g.contact.company for group in grouped.values() for g in group
                 if g.contact.company is not None}
    form = CompanyHostForm.for_choices(list(companies), hosts)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _hosts_page(event.id)
    changed = commit_or_flash(lambda: hosting.assign_company_host(
        event, form.company_id.data, form.host_id.data, current_user))
    if changed is not None:
        flash(ngettext("%(num)d guest has a new host.", "%(num)d guests have a new host.",
                       changed), "success")
    return _hosts_page(event.id)


@bp.route("/events/<int:event_id>/hosts/share", methods=["POST"])
@requires(Action.ORGANISE)
def share_evenly(event_id: int):
    event = get_event_for(current_user, event_id)
    if ConfirmForm().validate_on_submit():
        changed = commit_or_flash(lambda: hosting.share_unhosted_evenly(event, current_user))
        if changed is not None:
            flash(ngettext("%(num)d guest has a host now.", "%(num)d guests have a host now.",
                           changed), "success")
    return _hosts_page(event.id)


@bp.route("/events/<int:event_id>/hosts/briefing-schedule", methods=["POST"])
@requires(Action.ORGANISE)
def schedule_briefings(event_id: int):
    event = get_event_for(current_user, event_id)
    form = BriefingScheduleForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    elif commit_or_flash(lambda: set_briefing_schedule(
            event, form.days_before.data, current_user)) is not None:
        flash(_("The briefings' schedule is saved."), "success")
    return _hosts_page(event.id)


@bp.route("/events/<int:event_id>/my-guests")
@requires(Action.READ)
def my_guests(event_id: int):
    """The reader's own briefing, if they host the event; else who does."""
    event = get_event_for(current_user, event_id)
    if hosting_row(event, current_user.id) is None:
        return render_template("briefings/not_hosting.html", event=event,
                               hosts=hosting.event_hosts(event))
    return render_template("briefings/briefing.html", briefing=briefing_for(
        event, current_user, current_user, utcnow()), now=utcnow())


def _briefing_of(event_id: int, host_id: int):
    event = get_event_for(current_user, event_id)
    row = hosting_row(event, host_id)
    if row is None:
        abort(404)
    return briefing_for(event, row.organiser, current_user, utcnow())


@bp.route("/events/<int:event_id>/hosts/<int:host_id>/briefing")
@requires(Action.READ)
def briefing(event_id: int, host_id: int):
    return render_template("briefings/briefing.html", briefing=_briefing_of(
        event_id, host_id), now=utcnow())


@bp.route("/events/<int:event_id>/hosts/<int:host_id>/briefing.pdf")
@requires(Action.READ)
def briefing_pdf(event_id: int, host_id: int):
    briefing = _briefing_of(event_id, host_id)
    html = render_template("briefings/briefing_print.html", briefing=briefing, now=utcnow())
    db.session.rollback()  # nothing to save; end the read before the slow part
    filename = f"briefing-{briefing.event.id}-{briefing.host.id}.pdf"
    return Response(html_to_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, no-store"})

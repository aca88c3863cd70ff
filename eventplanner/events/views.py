"""The organiser's pages for events and their parts."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, events_for, get_activity_for, get_event_for
from eventplanner.briefings.services import hosted_events
from eventplanner.calendar.services import (
    NoParts,
    event_download,
    feed_link,
    part_download,
    part_of,
)
from eventplanner.calendar.views import ics_response
from eventplanner.events import services
from eventplanner.events.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    ActivityForm,
    CoOrganiserForm,
    EventForm,
    NextEditionForm,
)
from eventplanner.extensions import db, utcnow
from eventplanner.feedback.relationships import guests_to_look_after
from eventplanner.form_fields import ConfirmForm
from eventplanner.invitations.event_changes import answers_count
from eventplanner.invitations.inviting import reinvite_guests
from eventplanner.invitations.waitlist import promotions_message
from eventplanner.permissions import organisers_only, requires
from eventplanner.questions.services import copy_questions
from eventplanner.transactions import commit_or_form_error

bp = organisers_only(Blueprint("events", __name__))


@bp.context_processor
def labels() -> dict:
    return {"status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS}


def _form_page(template: str, form, **context):
    """Render a form page; a submitted form with errors answers 422."""
    return render_template(template, form=form, series_list=services.series_of(current_user),
                           **context), 422 if form.errors else 200


@bp.route("/")
@requires(Action.READ)
def dashboard():
    now = utcnow()
    upcoming, past = services.dashboard_sections(events_for(current_user), now)
    next_event = next((e for e in upcoming if e.starts_at and not e.is_cancelled), None)
    look_after = guests_to_look_after(next_event, current_user, now) if next_event else []
    return render_template("events/dashboard.html", upcoming=upcoming, past=past,
                           next_event=next_event, look_after=look_after, now=now,
                           hosting=hosted_events(current_user, now),
                           feed_link=feed_link(current_user), confirm_form=ConfirmForm())


@bp.route("/events/new", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def create_event():
    form = EventForm()
    event = form.validate_on_submit() and commit_or_form_error(
        form, lambda: services.create_event(current_user, form.details()))
    if event:
        flash(_("Event created. Now add its parts."), "success")
        return redirect(url_for("events.show_event", event_id=event.id))
    return _form_page("events/event_form.html", form, event=None)


@bp.route("/events/<int:event_id>")
@requires(Action.READ)
def show_event(event_id: int):
    event = get_event_for(current_user, event_id)
    return render_template(
        "events/event.html",
        event=event,
        co_organiser_form=CoOrganiserForm(),
        confirm_form=ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def edit_event(event_id: int):
    event = get_event_for(current_user, event_id)
    form = EventForm(data=asdict(services.event_details_of(event)) | {
        "status": event.status.value})
    if form.validate_on_submit() and commit_or_form_error(
            form, lambda: services.change_event(event, form.details(), utcnow(), by=current_user)):
        flash(_("Event saved."), "success")
        return redirect(url_for("events.show_event", event_id=event.id))
    return _form_page("events/event_form.html", form, event=event)


@bp.route("/events/<int:event_id>/activities/new", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def add_activity(event_id: int):
    event = get_event_for(current_user, event_id)
    form = ActivityForm(zone_name=event.timezone)
    if form.validate_on_submit() and commit_or_form_error(
            form, lambda: services.add_activity(event, form.details(), by=current_user)):
        flash(_("Part added."), "success")
        return redirect(url_for("events.show_event", event_id=event.id))
    return _form_page("events/activity_form.html", form, event=event, activity=None)


@bp.route("/events/<int:event_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def edit_activity(event_id: int, activity_id: int):
    activity = get_activity_for(current_user, event_id, activity_id)
    event = activity.event
    form = ActivityForm.for_part(services.activity_details_of(activity), event.timezone)
    saved = form.validate_on_submit() and commit_or_form_error(
        form, lambda: services.change_part(activity, form.details(), utcnow(), by=current_user))
    if saved:
        flash(_("Part saved."), "success")
        if saved.promoted:
            flash(promotions_message(len(saved.promoted)), "info")
        return redirect(url_for("events.show_event", event_id=event.id))
    return _form_page("events/activity_form.html", form, event=event, activity=activity)


@bp.route("/events/<int:event_id>/activities/<int:activity_id>/delete", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def remove_activity(event_id: int, activity_id: int):
    """Ask first (GET), then remove the part (POST)."""
    activity = get_activity_for(current_user, event_id, activity_id)
    event = activity.event
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_part(activity, utcnow(), by=current_user)
        db.session.commit()
        flash(_("Part removed: %(name)s.", name=activity.name), "success")
        return redirect(url_for("events.show_event", event_id=event.id))
    return render_template("events/activity_remove.html", event=event, activity=activity,
                           form=form, answers=answers_count(activity))


@bp.route("/events/<int:event_id>/co-organisers", methods=["POST"])
@requires(Action.SHARE)
def add_co_organiser(event_id: int):
    event = get_event_for(current_user, event_id)
    form = CoOrganiserForm()
    if form.validate_on_submit():
        try:
            organiser = services.add_co_organiser(event, current_user, form.email.data)
        except (services.NoSuchOrganiser, services.AlreadyInTheTeam) as error:
            form.email.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("%(name)s can now manage this event.", name=organiser.name), "success")
            return redirect(url_for("events.show_event", event_id=event.id))
    return render_template(
        "events/event.html", event=event, co_organiser_form=form, confirm_form=ConfirmForm()
    ), 422


@bp.route("/events/<int:event_id>/co-organisers/<int:organiser_id>/remove", methods=["POST"])
@requires(Action.SHARE)
def remove_co_organiser(event_id: int, organiser_id: int):
    event = get_event_for(current_user, event_id)
    services.remove_co_organiser(event, current_user, organiser_id)
    db.session.commit()
    flash(_("Access removed."), "success")
    return redirect(url_for("events.show_event", event_id=event.id))


@bp.route("/events/<int:event_id>/calendar.ics")
@requires(Action.READ)
def event_calendar(event_id: int):
    """The whole event as .ics: no attendees, no personal links (calendars get shared)."""
    event = get_event_for(current_user, event_id)
    try:
        content = event_download(event)
    except NoParts as error:
        flash(str(error.message), "error")
        return redirect(url_for("events.show_event", event_id=event.id))
    return ics_response(content, event.title)


@bp.route("/events/<int:event_id>/calendar/<int:activity_id>.ics")
@requires(Action.READ)
def part_calendar(event_id: int, activity_id: int):
    """One part of the event on its own as .ics, like the whole event's file."""
    event = get_event_for(current_user, event_id)
    activity = part_of(event, activity_id)
    return ics_response(part_download(activity), f"{event.title} {activity.name}")


@bp.route("/events/<int:event_id>/next-edition", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def next_edition(event_id: int):
    """Copy the event into next year's edition, in the same series."""
    event = get_event_for(current_user, event_id)
    form = NextEditionForm.for_event(event)
    if form.validate_on_submit():
        def copy():
            edition = services.copy_to_next_edition(event, form.title.data,
                                                    form.first_day.data)
            copy_questions(event, edition, {  # the parts were copied in their order
                old.id: new.id for old, new in zip(
                    event.activities, sorted(edition.activities,
                                             key=lambda part: (part.starts_at, part.id)),
                    strict=True)})
            if form.reinvite.data:
                reinvite_guests(event, edition, utcnow())
            return edition

        edition = commit_or_form_error(form, copy)
        if edition:
            flash(_("The new edition is ready as a draft. Check the times, then publish."),
                  "success")
            return redirect(url_for("events.show_event", event_id=edition.id))
    return _form_page("events/next_edition.html", form, event=event)

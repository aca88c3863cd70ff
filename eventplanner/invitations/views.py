"""The organiser's pages for an event's guests: invite, follow up, read the answers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from eventplanner.access import Action, companies_for, contacts_for, get_event_for
from eventplanner.audit.services import record_export
from eventplanner.contacts.services import tags_for
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.inbox.services import incoming_mail_for_guest, waiting_answers_count
from eventplanner.invitations import inviting, links, overview, reminders
from eventplanner.invitations.answers import answer_on_behalf
from eventplanner.invitations.forms import AnswerOnBehalfForm, GuestSelectionForm, InviteForm
from eventplanner.invitations.models import InvitationStage
from eventplanner.permissions import organisers_only, requires
from eventplanner.questions.services import answers_by_person, person_label, questions_of
from eventplanner.spreadsheets import csv_delimiter, csv_download
from eventplanner.transactions import commit_or_flash, commit_or_form_error

bp = organisers_only(Blueprint("invitations", __name__, url_prefix="/events/<int:event_id>"))


def _back_to_guests(event_id: int):
    return redirect(url_for("invitations.guests", event_id=event_id))


@bp.route("/guests")
@requires(Action.READ)
def guests(event_id: int):
    return _guests_page(get_event_for(current_user, event_id))


def _guests_page(event, status: int = 200):
    stage_value = request.args.get("stage", "")
    stage = InvitationStage(stage_value) if stage_value in set(InvitationStage) else None
    search = request.args.get("q", "")[:200]
    stage_counts = overview.stage_counts(event)
    page = overview.invitation_page(event, stage, search, request.args.get("page", 1, int),
                                    counts=stage_counts)
    working_links = sum(stage_counts.values()) - stage_counts[InvitationStage.REVOKED]
    return render_template(
        "invitations/guests.html", event=event, page=page, stage=stage_value, search=search,
        stages=InvitationStage, stage_counts=stage_counts,
        all_count=sum(stage_counts.values()),
        parts=overview.part_counts(event, invited=working_links),
        kitchen=overview.kitchen_lists(event), messages=overview.messages_from_guests(event),
        question_answers=_answers_per_guest(event, page.items),
        selection_form=GuestSelectionForm(), confirm_form=ConfirmForm(),
        waiting_lines=overview.waiting_lines(event),
        waiting_answers=waiting_answers_count(event.id),
        reminder_due_at=reminders.next_reminder_at(event, utcnow())), status


def _who(invitation, person: int) -> str:
    """Nothing for the guest; "Per: " for their plus-one Per."""
    return "" if person == 0 else person_label(invitation, person) + ": "


def _answers_per_guest(event, invitations) -> dict[int, list[str]]:
    """Each guest's answers to the organiser's questions, a line each: "Menu: Fish", and
    for a plus-one "Per: Menu: Vegetarian"."""
    by_invitation = {invitation.id: invitation for invitation in invitations}
    lines: dict[int, list[str]] = {}
    for (invitation_id, person), answers in answers_by_person(event, by_invitation).items():
        who = _who(by_invitation[invitation_id], person)
        lines.setdefault(invitation_id, []).extend(
            f"{who}{question.text}: {text}" for question, text in answers)
    return lines


def _question_columns(event, invitations) -> list[tuple[str, dict[int, str]]]:
    """A column per question: the guest's answer, then each plus-one's by name ("Fish;
    Per: Vegetarian")."""
    by_invitation = {invitation.id: invitation for invitation in invitations}
    columns: dict[int, tuple[str, dict[int, list[str]]]] = {
        question.id: (question.text, {}) for question in questions_of(event)}
    for (invitation_id, person), answers in sorted(answers_by_person(event).items()):
        if invitation_id not in by_invitation:
            continue
        who = _who(by_invitation[invitation_id], person)
        for question, text in answers:
            columns[question.id][1].setdefault(invitation_id, []).append(who + text)
    return [(heading, {invitation_id: "; ".join(parts) for invitation_id, parts in
                       values.items()}) for heading, values in columns.values()]


@bp.route("/invite", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def invite(event_id: int):
    event = get_event_for(current_user, event_id)
    form = InviteForm()
    companies, tags = companies_for(current_user), tags_for(current_user)
    form.company_id.choices = [SelectChoice(0, _("Nobody"))] + [
        SelectChoice(c.id, c.name) for c in companies]
    form.tag.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(t.name, t.name) for t in tags]
    invited = inviting.invited_contact_ids(event)
    if form.validate_on_submit():
        chosen = inviting.choose_contacts(current_user, form.contact_ids.data,
                                          form.company_id.data, form.tag.data)
        report = commit_or_form_error(form, lambda: inviting.invite_contacts(
            event, current_user, chosen, form.plus_ones_allowed.data,
            send=form.send_now.data, now=utcnow()))
        if report is not None:
            flash(ngettext("%(num)d guest invited.", "%(num)d guests invited.",
                           len(report.invited)), "success")
            if report.already_invited:
                flash(ngettext("%(num)d was invited already and was left as they were.",
                               "%(num)d were invited already and were left as they were.",
                               report.already_invited), "info")
            return _back_to_guests(event.id)
    return render_template("invitations/invite.html", event=event, form=form,
                           contacts=contacts_for(current_user), invited=invited), (
        422 if form.errors else 200)


@bp.route("/guests/send", methods=["POST"])
@requires(Action.ORGANISE)
def send_unsent(event_id: int):
    event = get_event_for(current_user, event_id)
    count = commit_or_flash(
        lambda: inviting.send_invitations(event, inviting.invitations_of(event), utcnow()))
    if count is not None:
        flash(ngettext("%(num)d invitation queued for sending.",
                       "%(num)d invitations queued for sending.", count), "success")
    return _back_to_guests(event.id)


@bp.route("/guests/remind", methods=["POST"])
@requires(Action.ORGANISE)
def remind(event_id: int):
    event = get_event_for(current_user, event_id)
    form = GuestSelectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return _guests_page(event, 400)
    count = commit_or_flash(lambda: reminders.send_reminders(event, utcnow(), form.ticked()))
    if count is not None:
        flash(ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", count),
              "success")
    return _back_to_guests(event.id)


@bp.route("/guests.csv")
@requires(Action.READ)
def export_answers(event_id: int):
    event = get_event_for(current_user, event_id)
    invitations = inviting.invitations_of(event)
    body = overview.answers_csv(event, invitations, csv_delimiter(current_user.language),
                                _question_columns(event, invitations))
    record_export(current_user, event, "guests.exported", len(invitations))
    return csv_download(body, f"answers-{event.id}.csv")


@bp.route("/guests/<int:invitation_id>")
@requires(Action.READ)
def guest(event_id: int, invitation_id: int):
    event = get_event_for(current_user, event_id)
    invitation = inviting.get_invitation_of(event, invitation_id)
    return render_template("invitations/guest.html", event=event, invitation=invitation,
                           link=links.invitation_link(invitation), form=ConfirmForm(),
                           answer_form=AnswerOnBehalfForm.for_parts(event.activities),
                           incoming=incoming_mail_for_guest(invitation.id))


@bp.route("/guests/<int:invitation_id>/answer", methods=["POST"])
@requires(Action.ORGANISE)
def answer_for_guest(event_id: int, invitation_id: int):
    """The organiser enters the guest's answers for them (the guest phoned)."""
    event = get_event_for(current_user, event_id)
    invitation = inviting.get_invitation_of(event, invitation_id)
    form = AnswerOnBehalfForm.for_parts(event.activities)
    if not form.validate_on_submit():
        flash(_("Choose yes, no or maybe for a part."), "error")
    elif form.answers() and commit_or_flash(
            lambda: answer_on_behalf(invitation, form.answers(), utcnow(), current_user)
            is not None):
        flash(_("The answer is saved for %(name)s.", name=invitation.contact.name), "success")
    return redirect(url_for("invitations.guest", event_id=event.id,
                            invitation_id=invitation_id), code=303)


@bp.route("/guests/<int:invitation_id>/revoke", methods=["POST"])
@requires(Action.ORGANISE)
def revoke(event_id: int, invitation_id: int):
    event = get_event_for(current_user, event_id)
    links.revoke_link(inviting.get_invitation_of(event, invitation_id), utcnow())
    db.session.commit()
    flash(_("The link no longer works. Make a new one to let the guest answer again."),
          "success")
    return redirect(url_for("invitations.guest", event_id=event.id,
                            invitation_id=invitation_id))


@bp.route("/guests/<int:invitation_id>/reissue", methods=["POST"])
@requires(Action.ORGANISE)
def reissue(event_id: int, invitation_id: int):
    event = get_event_for(current_user, event_id)
    links.reissue_link(inviting.get_invitation_of(event, invitation_id))
    db.session.commit()
    flash(_("A new link is ready; the old one no longer works. Copy it below, or send the "
            "invitation again."), "success")
    return redirect(url_for("invitations.guest", event_id=event.id,
                            invitation_id=invitation_id))


@bp.route("/guests/<int:invitation_id>/resend", methods=["POST"])
@requires(Action.ORGANISE)
def resend(event_id: int, invitation_id: int):
    event = get_event_for(current_user, event_id)
    invitation = inviting.get_invitation_of(event, invitation_id)
    if commit_or_flash(lambda: inviting.resend_invitation(invitation, utcnow())):
        flash(_("The invitation is queued for sending."), "success")
    return redirect(url_for("invitations.guest", event_id=event.id,
                            invitation_id=invitation_id))

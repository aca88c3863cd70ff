"""The relationship memory: a contact's page, a company's page, and their dated notes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, companies_with_counts, get_company_for, get_contact_for
from eventplanner.extensions import utcnow
from eventplanner.feedback import relationships
from eventplanner.feedback.forms import NoteForm
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("relationships", __name__, url_prefix="/contacts"))


@bp.route("/<int:contact_id>")
@requires(Action.READ)
def contact_page(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    now = utcnow()
    return render_template("relationships/contact.html", contact=contact,
                           history=relationships.contact_history(contact, current_user, now),
                           now=now, note_form=NoteForm(),
                           confirm_form=ConfirmForm())


@bp.route("/companies/")
@requires(Action.READ)
def list_companies():
    return render_template("relationships/companies.html",
                           companies=companies_with_counts(current_user))


@bp.route("/companies/<int:company_id>")
@requires(Action.READ)
def company_page(company_id: int):
    company = get_company_for(current_user, company_id)
    now = utcnow()
    return render_template("relationships/company.html", company=company,
                           history=relationships.company_history(company, current_user, now),
                           now=now, note_form=NoteForm(),
                           confirm_form=ConfirmForm())


def _contact_subject(contact_id: int) -> tuple[dict, str]:
    contact = get_contact_for(current_user, contact_id)
    return {"contact": contact}, url_for("relationships.contact_page", contact_id=contact.id)


def _company_subject(company_id: int) -> tuple[dict, str]:
    company = get_company_for(current_user, company_id)
    return {"company": company}, url_for("relationships.company_page", company_id=company.id)


def _add_note(subject: dict, page: str):
    form = NoteForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    elif commit_or_flash(lambda: relationships.add_note(form.text.data, form.noted_on.data,
                                                        **subject)):
        flash(_("Note saved."), "success")
    return redirect(page + "#notes")


def _delete_note(subject: dict, page: str, note_id: int):
    note = relationships.get_note_about(note_id, **subject)
    if ConfirmForm().validate_on_submit():
        commit_or_flash(lambda: relationships.delete_note(note))
        flash(_("Note deleted."), "success")
    return redirect(page + "#notes")


@bp.route("/<int:contact_id>/notes", methods=["POST"])
@requires(Action.ORGANISE)
def add_contact_note(contact_id: int):
    return _add_note(*_contact_subject(contact_id))


@bp.route("/companies/<int:company_id>/notes", methods=["POST"])
@requires(Action.ORGANISE)
def add_company_note(company_id: int):
    return _add_note(*_company_subject(company_id))


@bp.route("/<int:contact_id>/notes/<int:note_id>/delete", methods=["POST"])
@requires(Action.ORGANISE)
def delete_contact_note(contact_id: int, note_id: int):
    return _delete_note(*_contact_subject(contact_id), note_id)


@bp.route("/companies/<int:company_id>/notes/<int:note_id>/delete", methods=["POST"])
@requires(Action.ORGANISE)
def delete_company_note(company_id: int, note_id: int):
    return _delete_note(*_company_subject(company_id), note_id)

"""The relationship memory: a contact's page, a company's page, and their dated notes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, companies_with_counts, get_company_for, get_contact_for
from eventplanner.contacts.forms import AccountManagerForm
from eventplanner.contacts.services import (
    NotAMember,
    members_of,
    set_company_account_manager,
)
from eventplanner.extensions import db, utcnow
from eventplanner.feedback import relationships
from eventplanner.feedback.forms import NoteForm
from eventplanner.form_fields import ConfirmForm
from eventplanner.gifts.services import gifts_about
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_flash, commit_or_refuse

bp = organisers_only(Blueprint("relationships", __name__, url_prefix="/contacts"))


@bp.route("/<int:contact_id>")
@requires(Action.READ)
def contact_page(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    now = utcnow()
    return render_template("relationships/contact.html", contact=contact,
                           history=relationships.contact_history(contact, current_user, now),
                           now=now, note_form=NoteForm(), confirm_form=ConfirmForm(),
                           may_delete_note=relationships.may_delete_note,
                           gifts=gifts_about(contact=contact))


@bp.route("/companies/")
@requires(Action.READ)
def list_companies():
    return render_template("relationships/companies.html",
                           companies=companies_with_counts(current_user))


@bp.route("/companies/<int:company_id>")
@requires(Action.READ)
def company_page(company_id: int):
    company = get_company_for(current_user, company_id)
    return _company_page(company, AccountManagerForm(
        members_of(company.workspace_id), data={"account_manager": company.account_manager_id}))


def _company_page(company, manager_form: AccountManagerForm, status: int = 200):
    now = utcnow()
    return render_template("relationships/company.html", company=company,
                           history=relationships.company_history(company, current_user, now),
                           now=now, note_form=NoteForm(), confirm_form=ConfirmForm(),
                           manager_form=manager_form, gifts=gifts_about(company=company),
                           may_delete_note=relationships.may_delete_note), status


@bp.route("/companies/<int:company_id>/account-manager", methods=["POST"])
@requires(Action.ORGANISE)
def set_account_manager(company_id: int):
    """Choose the member who looks after the company (or nobody)."""
    company = get_company_for(current_user, company_id)
    form = AccountManagerForm(members_of(company.workspace_id))
    if form.validate_on_submit() and commit_or_refuse(
            lambda: set_company_account_manager(company, form.account_manager.data,
                                                current_user) or True,
            lambda error: form.account_manager.errors.append(str(error.message)),
            NotAMember):
        flash(_("Account manager saved."), "success")
        return redirect(url_for("relationships.company_page", company_id=company.id))
    return _company_page(company, form, 422)


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
    elif commit_or_flash(lambda: relationships.add_note(
            form.text.data, form.noted_on.data, **subject, author=current_user,
            private=form.private.data)):
        flash(_("Note saved."), "success")
    return redirect(page + "#notes")


def _delete_note(subject: dict, page: str, note_id: int):
    note = relationships.get_note_about(note_id, current_user, **subject)
    if ConfirmForm().validate_on_submit():
        relationships.delete_note(note, current_user)  # Forbidden: 403, nothing deleted
        db.session.commit()
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

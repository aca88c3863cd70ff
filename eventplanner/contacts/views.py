"""The organiser's address book: companies and contacts, and the CSV import."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, companies_for, contacts_for, get_contact_for
from eventplanner.contacts import csv_import, services
from eventplanner.contacts.forms import ContactForm, ImportUploadForm
from eventplanner.errors import DomainError
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.invitations.waitlist import delete_contact_and_free_places, promotions_message
from eventplanner.permissions import organisers_only, requires
from eventplanner.transactions import commit_or_refuse
from eventplanner.uploads import services as uploads
from eventplanner.uploads.forms import CheckedUploadForm
from eventplanner.urls import row_id

bp = organisers_only(Blueprint("contacts", __name__, url_prefix="/contacts"))
#: The upload store's purpose for a contacts CSV between preview and import.
IMPORT_PURPOSE = "contacts"


@bp.route("/")
@requires(Action.READ)
def list_contacts():
    search = request.args.get("q", "")[:200]
    tag = request.args.get("tag", "")[:60]
    company_id = row_id(request.args.get("company"))
    mine = request.args.get("mine") == "1"
    contacts = contacts_for(current_user, search=search, company_id=company_id, tag=tag,
                            managed_by=current_user if mine else None)
    return render_template(
        "contacts/list.html", contacts=contacts, search=search, tag=tag,
        company_id=company_id, mine=mine, companies=companies_for(current_user),
        tags=services.tags_for(current_user))


def _save_contact(form, change) -> bool:
    def show(error) -> None:
        field = form.account_manager if isinstance(error, services.NotAMember) else form.email
        field.errors.append(str(error.message))

    return commit_or_refuse(change, show,
                            (services.EmailInUse, services.NotAMember)) is not None


def _members() -> list:
    return services.members_of(current_user.workspace_id or 0)


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def create_contact():
    form = ContactForm(_members())
    if form.validate_on_submit() and _save_contact(
            form, lambda: services.create_contact(current_user, form.details())):
        flash(_("Contact added: %(name)s.", name=form.name.data), "success")
        return redirect(url_for("contacts.list_contacts"))
    return render_template("contacts/form.html", form=form, contact=None), (
        422 if form.errors else 200)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def edit_contact(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    members = _members()
    if contact.account_manager is not None and contact.account_manager_id not in {
            member.id for member in members}:
        members.append(contact.account_manager)  # no longer a member: kept unless changed
    form = ContactForm(members, data={
        "name": contact.name, "email": contact.email, "phone": contact.phone,
        "job_title": contact.job_title,
        "company_name": contact.company.name if contact.company else "",
        "language": contact.language, "dietary_notes": contact.dietary_notes,
        "tags": ", ".join(contact.tag_names), "notes": contact.notes,
        "account_manager": contact.account_manager_id})
    if form.validate_on_submit() and _save_contact(
            form, lambda: services.update_contact(contact, form.details(), current_user)):
        flash(_("Contact saved: %(name)s.", name=contact.name), "success")
        return redirect(url_for("contacts.list_contacts"))
    return render_template("contacts/form.html", form=form, contact=contact), (
        422 if form.errors else 200)


@bp.route("/<int:contact_id>/delete", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def delete_contact(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = contact.name
        promoted = delete_contact_and_free_places(contact, utcnow())
        db.session.commit()
        flash(_("Contact deleted: %(name)s.", name=name), "success")
        if promoted:
            flash(promotions_message(len(promoted)), "info")
        return redirect(url_for("contacts.list_contacts"))
    return render_template("contacts/delete.html", contact=contact, form=form)


@bp.route("/import", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def import_contacts():
    """Upload (POST with a file) shows the preview; the file waits on the server."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            preview = csv_import.preview_import(current_user, data)
        except DomainError as error:
            form.file.errors.append(str(error.message))
        else:
            key = uploads.keep_upload(current_user, IMPORT_PURPOSE, data, utcnow())
            db.session.commit()
            return render_template("contacts/import_preview.html", preview=preview,
                                   form=CheckedUploadForm(upload=key),
                                   actions=csv_import.RowAction)
    return render_template("contacts/import.html", form=form), 422 if form.errors else 200


@bp.route("/import/confirm", methods=["POST"])
@requires(Action.ORGANISE)
def confirm_import():
    """Check the same file again and write its valid rows, all in one transaction."""
    form = CheckedUploadForm()
    if not form.validate_on_submit():
        flash(str(uploads.UploadGone().message), "error")
        return redirect(url_for("contacts.import_contacts"))
    try:
        data = uploads.take_upload(current_user, IMPORT_PURPOSE, form.upload.data, utcnow())
        preview = csv_import.preview_import(current_user, data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("contacts.import_contacts"))
    added, updated = csv_import.apply_import(current_user, preview)
    db.session.commit()
    skipped = preview.count(csv_import.RowAction.ERROR)
    flash(_("Import done: %(added)d added, %(updated)d updated, %(skipped)d rows skipped.",
            added=added, updated=updated, skipped=skipped), "success")
    return redirect(url_for("contacts.list_contacts"))

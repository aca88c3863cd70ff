"""The organiser's privacy tools for a contact: everything held, as JSON, and erasure."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, get_contact_for
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.privacy import services
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("privacy", __name__, url_prefix="/contacts/<int:contact_id>"))


def data_download(data: dict, filename: str) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": f'attachment; filename="{filename}"',
                        "Cache-Control": "no-store"})


@bp.route("/data.json")
@requires(Action.ORGANISE)
def export_contact(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    data = services.export_contact_data(contact, current_user)
    db.session.commit()
    return data_download(data, f"contact-{contact.id}.json")


@bp.route("/erase", methods=["GET", "POST"])
@requires(Action.ERASE)
def erase_contact(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("privacy/erase.html", contact=contact, form=form)
    if commit_or_flash(lambda: services.erase_contact(contact, utcnow(), current_user) or True):
        flash(_("The contact's personal data is erased. Their anonymous answers and scores "
                "still count in the figures."), "success")
        return redirect(url_for("contacts.list_contacts"))
    return render_template("privacy/erase.html", contact=contact, form=form), 409

"""Gifts on a contact's and a company's page, the year's register, the yearly limit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, get_company_for, get_contact_for
from eventplanner.audit.services import record
from eventplanner.auth.models import Workspace
from eventplanner.contacts.services import members_of
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.gifts import services
from eventplanner.gifts.forms import DIRECTION_LABELS, GiftForm, GiftLimitForm
from eventplanner.gifts.models import GiftDirection
from eventplanner.permissions import organisers_only, requires
from eventplanner.spreadsheets import csv_bytes, csv_delimiter, csv_download
from eventplanner.transactions import commit_or_flash

bp = organisers_only(Blueprint("gifts", __name__))


@bp.app_context_processor
def gift_labels() -> dict:
    return {"gift_direction_label": lambda gift: str(DIRECTION_LABELS[gift.direction]),
            "money": _money,
            "gift_form_for": lambda: GiftForm.for_members(members_of(current_user.workspace_id))}


def _money(value, currency: str) -> str:
    """An amount in its currency, the reader's way ("NOK 1,100.00"); empty when unknown."""
    if value is None:
        return ""
    return format_currency(value, currency) if currency else str(value)


@bp.route("/contacts/<int:contact_id>/gifts", methods=["POST"])
@requires(Action.ORGANISE)
def add_contact_gift(contact_id: int):
    contact = get_contact_for(current_user, contact_id)
    return _add_gift({"contact": contact},
                     url_for("relationships.contact_page", contact_id=contact.id))


@bp.route("/contacts/companies/<int:company_id>/gifts", methods=["POST"])
@requires(Action.ORGANISE)
def add_company_gift(company_id: int):
    company = get_company_for(current_user, company_id)
    return _add_gift({"company": company},
                     url_for("relationships.company_page", company_id=company.id))


def _add_gift(recipient: dict, page: str):
    form = GiftForm.for_members(members_of(current_user.workspace_id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(page + "#gifts")
    details = services.GiftDetails(
        direction=GiftDirection(form.direction.data), given_on=form.given_on.data,
        description=form.description.data, value=form.value.data,
        currency=form.currency.data or "", occasion=form.occasion.data or "",
        member_id=form.member_id.data or None)
    gift = commit_or_flash(lambda: services.record_gift(
        current_user.workspace_id, details, current_user, **recipient))
    if gift is not None:
        flash(_("Gift noted."), "success")
        passed = services.limit_passed(gift)
        if passed is not None:
            flash(_("This client has now been given %(given)s this year, over the limit of "
                    "%(limit)s.", given=_money(passed.given, passed.currency),
                    limit=_money(passed.limit, passed.currency)), "error")
    return redirect(page + "#gifts")


@bp.route("/gifts/<int:gift_id>/delete", methods=["POST"])
@requires(Action.ORGANISE)
def delete_gift(gift_id: int):
    gift = services.get_gift(current_user.workspace_id, gift_id)
    page = (url_for("relationships.contact_page", contact_id=gift.contact_id)
            if gift.contact_id else url_for("relationships.company_page",
                                            company_id=gift.company_id))
    if ConfirmForm().validate_on_submit():
        services.delete_gift(gift)
        db.session.commit()
        flash(_("Gift deleted."), "success")
    return redirect(page + "#gifts")


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year is not None and 1900 <= year <= 2999 else utcnow().year


@bp.route("/gifts/")
@requires(Action.READ, Action.MANAGE_MEMBERS)
def register():
    workspace = db.session.get(Workspace, current_user.workspace_id)
    year = _year()
    return render_template("gifts/register.html", year=year, workspace=workspace,
                           gifts=services.gifts_of_year(workspace.id, year),
                           limit_form=GiftLimitForm(data={
                               "limit": workspace.gift_limit,
                               "currency": workspace.gift_limit_currency}))


@bp.route("/gifts/limit", methods=["POST"])
@requires(Action.READ, Action.MANAGE_MEMBERS)
def set_limit():
    workspace = db.session.get(Workspace, current_user.workspace_id)
    form = GiftLimitForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    elif commit_or_flash(lambda: services.set_gift_limit(
            workspace, form.limit.data, form.currency.data or "", current_user)):
        flash(_("The gift limit is saved."), "success")
    return redirect(url_for("gifts.register"))


@bp.route("/gifts/export.csv")
@requires(Action.READ)
def export():
    """The year's gifts per company, for an audit."""
    year = _year()
    gifts = services.gifts_of_year(current_user.workspace_id, year)
    rows = [[_("Company"), _("Contact"), _("Date"), _("Direction"), _("What"),
             _("Estimated value"), _("Currency"), _("Occasion"), _("Who on our side")]]
    rows += [[gift.company.name if gift.company else "",
              gift.contact.name if gift.contact else "", gift.given_on.isoformat(),
              str(DIRECTION_LABELS[gift.direction]), gift.description,
              "" if gift.value is None else str(gift.value), gift.currency, gift.occasion,
              gift.member.name if gift.member else ""] for gift in gifts]
    record(current_user.workspace_id, current_user, "gifts.exported",
           details={"year": year, "rows": len(gifts)})
    db.session.commit()
    return csv_download(csv_bytes(rows, csv_delimiter(current_user.language)),
                        f"gifts-{year}.csv")

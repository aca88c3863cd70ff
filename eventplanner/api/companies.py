"""The client book's companies: read, make and change them (their name, notes, CRM id and
account manager), and upsert up to 1,000 at once by the CRM's id or by name."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, fields, validate
from sqlalchemy import func, select

from eventplanner.access import company_visible_to
from eventplanner.api.calls import api_blueprint, caller, needs_scope
from eventplanner.api.conditional import check_if_match, lock_row
from eventplanner.api.contacts import (
    BulkRows,
    Id,
    NothingToChange,
    Text,
    clash_is_conflict,
    not_blank,
)
from eventplanner.api.paging import list_page
from eventplanner.api.problems import RefusedInput
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.audit.services import record
from eventplanner.contacts import bulk, services
from eventplanner.contacts.models import Company
from eventplanner.errors import InvalidState, NotFound
from eventplanner.extensions import db

bp = api_blueprint(
    "companies", __name__, "/api/v1/companies",
    "The client companies. `external_id` is the company's id in your CRM (unique in the "
    "workspace). A contact names its company by `company_id` or `company_name`.")


class CompanySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    external_id = Text(allow_none=True, validate=[validate.Length(min=1, max=200), not_blank],
                       metadata={"description": "The company's id in your CRM, unique in "
                                                "the workspace; null: none."})
    name = Text(required=True, validate=[validate.Length(min=1, max=200), not_blank],
                metadata={"description": "Unique in the workspace, whatever the case."})
    notes = Text(validate=validate.Length(max=5000))
    account_manager_id = Id(allow_none=True, metadata={
        "description": "The member who looks after the company (see /members); null: "
                       "nobody."})
    created_at = AwareDateTime(dump_only=True)
    updated_at = AwareDateTime(dump_only=True)


class CompanyChangeSchema(CompanySchema):
    """What a PATCH sends: any of the fields (at least one: ``NothingToChange``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(partial=True, **kwargs)


class CompanyListArgs(ListArgs):
    external_id = Text(validate=validate.Length(max=200))
    name = Text(validate=validate.Length(max=200), metadata={
        "description": "The company of this name, whatever the case."})


class BulkCompaniesSchema(StrictSchema):
    companies = BulkRows(fields.Nested(CompanySchema), required=True,
                         validate=validate.Length(min=1, max=bulk.MAX_ROWS))


class CompanyUpsertedSchema(StrictSchema):
    index = fields.Integer(required=True, metadata={"description": "The row, from 0."})
    id = fields.Integer(required=True)
    external_id = fields.String(allow_none=True, required=True)
    result = fields.Enum(bulk.Outcome, by_value=True, required=True)


class BulkCompaniesAnswerSchema(StrictSchema):
    companies = fields.List(fields.Nested(CompanyUpsertedSchema), required=True)


class ExternalIdInUse(InvalidState):
    default_message = _l("Another company has this external_id.")


def _companies():
    return select(Company).where(company_visible_to(caller()))


def get_company(company_id: int) -> Company:
    company = db.session.scalar(_companies().where(Company.id == company_id)
                                .execution_options(populate_existing=True))
    if company is None:
        raise NotFound()
    return company


def _check_external_id(external_id: str | None, except_id: int | None = None) -> None:
    if external_id is None:
        return
    query = _companies().where(Company.external_id == external_id)
    if except_id is not None:
        query = query.where(Company.id != except_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ExternalIdInUse()


def _set_account_manager(company: Company, data: dict) -> None:
    if "account_manager_id" not in data:
        return
    try:
        services.set_company_account_manager(company, data["account_manager_id"], caller())
    except services.NotAMember as refused:
        raise RefusedInput({"account_manager_id": [str(refused.message)]}) from None


@bp.route("", methods=["GET"])
@needs_scope("contacts:read")
@bp.arguments(CompanyListArgs, location="query", unknown=RAISE)
@bp.response(200, page_of(CompanySchema, "Company"))
def list_companies(args):
    """List the companies

    By id, or with `updated_since` by when they changed. Filters: `external_id`, `name`.
    """
    query = _companies()
    if "external_id" in args:
        query = query.where(Company.external_id == args["external_id"])
    if "name" in args:
        query = query.where(func.lower(Company.name) == " ".join(args["name"].split()).lower())
    return list_page(query, Company, args, kind=Company.__tombstone_kind__,
                     workspace_id=caller().workspace_id)


@bp.route("/<int:company_id>", methods=["GET"])
@needs_scope("contacts:read")
@bp.response(200, CompanySchema)
def read_company(company_id: int):
    """Read a company"""
    return get_company(company_id)


@bp.route("", methods=["POST"])
@needs_scope("contacts:write")
@bp.arguments(CompanySchema)
@bp.response(201, CompanySchema, headers={"Location": {"schema": {"type": "string"}}})
def create_company(data):
    """Add a company

    A 409 if another company has the name (in any case) or the external_id.
    """
    _check_external_id(data.get("external_id"))
    with clash_is_conflict():
        company = services.create_company(caller(), data["name"], data.get("notes", ""))
        company.external_id = data.get("external_id")
        _set_account_manager(company, data)
    return company, 201, {"Location": url_for("api_companies.read_company",
                                              company_id=company.id, _external=True)}


@bp.route("/<int:company_id>", methods=["PATCH"])
@needs_scope("contacts:write")
@bp.arguments(CompanyChangeSchema)
@bp.response(200, CompanySchema)
def update_company(data, company_id: int):
    """Change a company

    Only the fields sent change. With `If-Match` (the ETag of your last read), a 412 if
    it changed since. The audit trail keeps what changed.
    """
    lock_row(Company, company_id)
    company = get_company(company_id)
    check_if_match(CompanySchema().dump(company))
    if not data:
        raise NothingToChange()
    with clash_is_conflict():
        if "external_id" in data and data["external_id"] != company.external_id:
            _check_external_id(data["external_id"], except_id=company.id)
            record(company.workspace_id, caller(), "company.changed", details={
                "company_id": company.id, "external_id": [company.external_id,
                                                          data["external_id"]]})
            company.external_id = data["external_id"]
        services.update_company(company, data.get("name", company.name),
                                data.get("notes", company.notes), caller())
        _set_account_manager(company, data)
    return company


@bp.route("/bulk", methods=["POST"])
@needs_scope("contacts:write")
@bp.arguments(BulkCompaniesSchema)
@bp.response(200, BulkCompaniesAnswerSchema)
def upsert_companies(data):
    """Upsert up to 1,000 companies

    Each row is matched by `external_id` when it has one (else, the first time, by its
    name, in any case: the company found keeps the external_id), otherwise by name; then
    updated (the fields a row leaves out keep their values), or made. All or nothing: if
    a row is refused, nothing is saved and `errors.companies` names each refused row
    (from 0) with its fields' messages.
    """
    try:
        with clash_is_conflict():
            done = bulk.upsert_companies(caller(), data["companies"])
    except bulk.RowsRefused as refused:
        raise RefusedInput({"companies": refused.errors}, refused.message) from None
    return {"companies": [{"index": upserted.index, "id": upserted.company.id,
                           "external_id": upserted.company.external_id,
                           "result": upserted.outcome} for upserted in done]}


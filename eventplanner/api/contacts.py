"""The client book's people: read, make, change, delete and erase contacts one by one, as
the pages do, and upsert up to 1,000 at once by the CRM's id or by email (all or nothing).

A contact that was deleted or erased is gone from the lists and reads (404); a sync that
asks with ``updated_since`` finds it among the tombstones (``deleted``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import Conflict

from eventplanner.access import contact_visible_to, get_company_for
from eventplanner.api.calls import api_blueprint, caller, needs_scope
from eventplanner.api.conditional import check_if_match, lock_row
from eventplanner.api.paging import list_page
from eventplanner.api.problems import RefusedInput
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.audit.services import record
from eventplanner.auth.services import normalise_email
from eventplanner.contacts import bulk, services
from eventplanner.contacts.models import LANGUAGE_CODES, Contact, Tag
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.waitlist import delete_contact_and_free_places
from eventplanner.privacy.services import erase_contact as erase_contact_data

bp = api_blueprint(
    "contacts", __name__, "/api/v1/contacts",
    "The people in the client book. `external_id` is the contact's id in your CRM "
    "(unique in the workspace); `POST /contacts/bulk` upserts by it, or by email.")

#: The largest id a row can have (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_l("This may not be blank."))


class Text(fields.String):
    """A string of text: a NUL character (which no database column can hold) is
    refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError(_l("This may not contain a NUL character."))
        return text


class Id(fields.Integer):
    """A row's id in JSON: a whole number, not a string, a fraction or true/false."""

    def __init__(self, **kwargs) -> None:
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class EmailAddress(Text):
    """An email address, checked for form as the pages check it, stored lower-case."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=validate.Length(min=3, max=254), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        from email_validator import EmailNotValidError, validate_email

        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address.")) from None
        return normalise_email(checked.normalized)


class TagName(Text):
    """A tag's name, stored lower-case (and checked as stored)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=[validate.Length(min=1, max=60), not_blank,
                                   validate.Regexp(r"^[^,;]*$", error=str(_l(
                                       "A tag is one word or phrase without commas.")))],
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class TagNames(fields.List):
    """A contact's tags by name, sorted; set as a whole (stored lower-case)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(TagName(), validate=validate.Length(max=50), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return sorted(value or [])

    def _deserialize(self, value, attr, data, **kwargs):
        return tuple(sorted(set(super()._deserialize(value, attr, data, **kwargs))))


class CompanyRefSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class ContactSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    external_id = Text(allow_none=True, validate=[validate.Length(min=1, max=200), not_blank],
                       metadata={"description": "The contact's id in your CRM, unique in "
                                                "the workspace; null: none."})
    name = Text(required=True, validate=[validate.Length(min=1, max=120), not_blank])
    email = EmailAddress(required=True, metadata={
        "format": "email", "description": "Unique in the workspace; stored lower-case."})
    phone = Text(validate=validate.Length(max=40))
    job_title = Text(validate=validate.Length(max=120))
    company = fields.Nested(CompanyRefSchema, dump_only=True, allow_none=True)
    company_id = Id(load_only=True, allow_none=True, metadata={
        "description": "Their company, by id (null: none)."})
    company_name = Text(load_only=True, validate=validate.Length(max=200), metadata={
        "description": "Their company, by name: made if the workspace has none of that "
                       "name (\"\": none)."})
    language = fields.String(validate=validate.OneOf(["", *LANGUAGE_CODES]), metadata={
        "description": "What they read emails in; \"\": the event's language."})
    dietary_notes = Text(validate=validate.Length(max=500))
    notes = Text(validate=validate.Length(max=5000))
    tags = TagNames(attribute="tag_names", data_key="tags")
    account_manager_id = Id(allow_none=True, metadata={
        "description": "The member who looks after them (see /members); null: nobody."})
    email_bounced_at = AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When mail to the address last failed for good; null: it has not."})
    email_bounce_reason = fields.String(dump_only=True)
    erasure_requested_at = AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When they asked (from their invitation) to be forgotten; null: "
                       "they have not. An admin erases them (POST .../erasure)."})
    created_at = AwareDateTime(dump_only=True)
    updated_at = AwareDateTime(dump_only=True)

    @validates_schema
    def one_company(self, data, **kwargs) -> None:
        if "company_id" in data and "company_name" in data:
            raise ValidationError(_l("Give company_id or company_name, not both."),
                                  "company_id")


class ContactChangeSchema(ContactSchema):
    """What a PATCH sends: any of the fields (at least one: ``NothingToChange``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(partial=True, **kwargs)


class ContactListArgs(ListArgs):
    email = Text(validate=validate.Length(max=254))
    external_id = Text(validate=validate.Length(max=200))
    company_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    tag = Text(validate=validate.Length(max=60))


class BulkRows(fields.List):
    """The rows of a bulk call: more than ``bulk.MAX_ROWS`` are refused before any is
    read."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and len(value) > bulk.MAX_ROWS:
            raise ValidationError(_l("At most %(max)d rows in one call.", max=bulk.MAX_ROWS))
        return super()._deserialize(value, attr, data, **kwargs)


class BulkContactsSchema(StrictSchema):
    contacts = BulkRows(fields.Nested(ContactSchema), required=True,
                        validate=validate.Length(min=1, max=bulk.MAX_ROWS))


class ContactUpsertedSchema(StrictSchema):
    index = fields.Integer(required=True, metadata={"description": "The row, from 0."})
    id = fields.Integer(required=True)
    external_id = fields.String(allow_none=True, required=True)
    result = fields.Enum(bulk.Outcome, by_value=True, required=True)


class BulkContactsAnswerSchema(StrictSchema):
    contacts = fields.List(fields.Nested(ContactUpsertedSchema), required=True)


class ExternalIdInUse(InvalidState):
    default_message = _l("Another contact has this external_id.")


class NothingToChange(InvalidInput):
    """A PATCH without a field (after the object is found: another workspace's is a 404
    whatever the body)."""

    default_message = _l("Send the fields to change.")


class ChangedMeanwhile(Conflict):
    api_detail = _l("That conflicts with a change made at the same time: read again and "
                    "retry.")


def _contacts():
    """The caller's live contacts (not erased)."""
    return select(Contact).where(contact_visible_to(caller()), Contact.erased_at.is_(None))


def get_contact(contact_id: int, *, erased_too: bool = False) -> Contact:
    query = select(Contact).where(contact_visible_to(caller()), Contact.id == contact_id)
    if not erased_too:
        query = query.where(Contact.erased_at.is_(None))
    contact = db.session.scalar(query.execution_options(populate_existing=True))
    if contact is None:
        raise NotFound()
    return contact


def _locked_contact(contact_id: int, *, erased_too: bool = False) -> Contact:
    """The contact, held until the call ends, and as the caller last read it
    (``If-Match``)."""
    lock_row(Contact, contact_id)
    contact = get_contact(contact_id, erased_too=erased_too)
    check_if_match(ContactSchema().dump(contact))
    return contact


def _company_name(data: dict, current: str) -> str:
    """The company name the input means: by ``company_id`` (422 if not the workspace's),
    ``company_name``, or ``current``."""
    if "company_id" in data:
        if data["company_id"] is None:
            return ""
        try:
            return get_company_for(caller(), data["company_id"]).name
        except NotFound:
            raise RefusedInput({"company_id": [str(_l("There is no company with this id."))]}
                               ) from None
    return data.get("company_name", current)


def _check_account_manager(data: dict) -> None:
    try:
        services.account_manager_in(caller().workspace_id or 0, data.get("account_manager_id"))
    except services.NotAMember as refused:
        raise RefusedInput({"account_manager_id": [str(refused.message)]}) from None


def _check_external_id(external_id: str | None, except_id: int | None = None) -> None:
    """``ExternalIdInUse`` (409) if another contact of the workspace has this CRM id."""
    if external_id is None:
        return
    query = select(Contact.id).where(contact_visible_to(caller()),
                                     Contact.external_id == external_id)
    if except_id is not None:
        query = query.where(Contact.id != except_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ExternalIdInUse()


@contextmanager
def clash_is_conflict() -> Iterator[None]:
    """Write what the block changed now, so that a clash with a change made meanwhile (the
    same email or external_id, saved by another call since it was checked) is a 409."""
    try:
        yield
        db.session.flush()
    except IntegrityError:
        # Now: the failed flush left the session unusable (even to read the token).
        db.session.rollback()
        raise ChangedMeanwhile() from None


@bp.route("", methods=["GET"])
@needs_scope("contacts:read")
@bp.arguments(ContactListArgs, location="query", unknown=RAISE)
@bp.response(200, page_of(ContactSchema, "Contact"))
def list_contacts(args):
    """List the contacts

    By id, or with `updated_since` by when they changed (a change of tags counts), with
    the ids of those deleted or erased since in `deleted`. Filters: `email`,
    `external_id`, `company_id`, `tag` (a name).
    """
    query = _contacts().options(joinedload(Contact.company), selectinload(Contact.tags))
    if "email" in args:
        query = query.where(Contact.email == normalise_email(args["email"]))
    if "external_id" in args:
        query = query.where(Contact.external_id == args["external_id"])
    if "company_id" in args:
        query = query.where(Contact.company_id == args["company_id"])
    if "tag" in args:
        query = query.where(Contact.tags.any(Tag.name == args["tag"].strip().lower()))
    return list_page(query, Contact, args, kind=Contact.__tombstone_kind__,
                     workspace_id=caller().workspace_id)


@bp.route("/<int:contact_id>", methods=["GET"])
@needs_scope("contacts:read")
@bp.response(200, ContactSchema)
def read_contact(contact_id: int):
    """Read a contact"""
    return get_contact(contact_id)


@bp.route("", methods=["POST"])
@needs_scope("contacts:write")
@bp.arguments(ContactSchema)
@bp.response(201, ContactSchema, headers={"Location": {"schema": {"type": "string"}}})
def create_contact(data):
    """Add a contact

    A 409 if another contact has the email address or the external_id. The company is
    found by id or by name (a new name adds a company).
    """
    _check_account_manager(data)
    _check_external_id(data.get("external_id"))
    details = services.ContactDetails(
        name=data["name"], email=data["email"], phone=data.get("phone", ""),
        job_title=data.get("job_title", ""), company_name=_company_name(data, ""),
        language=data.get("language", ""), dietary_notes=data.get("dietary_notes", ""),
        tags=data.get("tag_names", ()), notes=data.get("notes", ""),
        account_manager_id=data.get("account_manager_id"))
    with clash_is_conflict():
        contact = services.create_contact(caller(), details,
                                          external_id=data.get("external_id"))
    return contact, 201, {"Location": url_for("api_contacts.read_contact",
                                              contact_id=contact.id, _external=True)}


@bp.route("/<int:contact_id>", methods=["PATCH"])
@needs_scope("contacts:write")
@bp.arguments(ContactChangeSchema)
@bp.response(200, ContactSchema)
def update_contact(data, contact_id: int):
    """Change a contact

    Only the fields sent change; `tags` are set as a whole. With `If-Match` (the ETag of
    your last read), a 412 if it changed since. The audit trail keeps what changed.
    """
    contact = _locked_contact(contact_id)
    if not data:
        raise NothingToChange()
    if "account_manager_id" in data:
        _check_account_manager(data)
    details = services.ContactDetails(
        name=data.get("name", contact.name), email=data.get("email", contact.email),
        phone=data.get("phone", contact.phone),
        job_title=data.get("job_title", contact.job_title),
        company_name=_company_name(data, contact.company.name if contact.company else ""),
        language=data.get("language", contact.language),
        dietary_notes=data.get("dietary_notes", contact.dietary_notes),
        tags=data.get("tag_names", tuple(sorted(contact.tag_names))),
        notes=data.get("notes", contact.notes),
        account_manager_id=data.get("account_manager_id", contact.account_manager_id))
    with clash_is_conflict():
        if "external_id" in data and data["external_id"] != contact.external_id:
            _check_external_id(data["external_id"], except_id=contact.id)
            record(contact.workspace_id, caller(), "contact.changed", contact_id=contact.id,
                   details={"external_id": [contact.external_id, data["external_id"]]})
            contact.external_id = data["external_id"]
        services.update_contact(contact, details, caller())
    return contact


@bp.route("/<int:contact_id>", methods=["DELETE"])
@needs_scope("contacts:write")
@bp.response(204)
def delete_contact(contact_id: int):
    """Delete a contact

    With their invitations and answers, as the page does: the places they held go to
    the first in line (who are emailed). With `If-Match`, a 412 if it changed since.
    """
    contact = _locked_contact(contact_id)
    delete_contact_and_free_places(contact, utcnow())


@bp.route("/<int:contact_id>/erasure", methods=["POST"])
@needs_scope("contacts:erase")
@bp.response(204)
def erase_contact(contact_id: int):
    """Erase a contact's personal data

    As the page does: their name, addresses, notes and free text go for good; their
    anonymous answers, check-ins, scores and times stay in the figures. A sync sees a
    tombstone with reason `erased`. A 409 if they were erased already.
    """
    contact = _locked_contact(contact_id, erased_too=True)
    erase_contact_data(contact, utcnow(), caller())


@bp.route("/bulk", methods=["POST"])
@needs_scope("contacts:write")
@bp.arguments(BulkContactsSchema)
@bp.response(200, BulkContactsAnswerSchema)
def upsert_contacts(data):
    """Upsert up to 1,000 contacts

    Each row is matched by `external_id` when it has one (else, the first time, by its
    email: the contact found keeps the external_id), otherwise (absent or null) by email;
    then updated (the fields a row leaves out keep their values; a null external_id
    keeps the contact's), or made. All or nothing: if a row is refused (a field, an
    email or external_id twice in the call, an email that is another contact's, an
    unknown company or account manager), nothing is saved and `errors.contacts` names
    each refused row (from 0) with its fields' messages. The audit trail gets one line
    with the counts.
    """
    rows = [_bulk_row(row) for row in data["contacts"]]
    try:
        with clash_is_conflict():
            done = bulk.upsert_contacts(caller(), rows)
    except bulk.RowsRefused as refused:
        raise RefusedInput({"contacts": refused.errors}, refused.message) from None
    return {"contacts": [{"index": upserted.index, "id": upserted.contact.id,
                          "external_id": upserted.contact.external_id,
                          "result": upserted.outcome} for upserted in done]}


def _bulk_row(row: dict) -> dict:
    if "tag_names" in row:
        row["tags"] = row.pop("tag_names")
    return row

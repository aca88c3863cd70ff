"""Upserting many contacts at once (a CRM's sync): each row is matched with a contact of
the workspace by the CRM's id, else by email, then updated, or made; all or nothing.

Every row is checked against the others and against the workspace's contacts before
anything is written, and a refusal names each bad row with its fields' messages. The
contacts the rows name are read in one query and companies and tags through one
``Directory``, so a thousand rows cost a handful of queries, not thousands.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eventplanner.audit.services import changes, record
from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import (
    ContactDetails,
    Directory,
    apply_contact_details,
    audited_fields,
    members_of,
)
from eventplanner.contacts.signals import announce_contacts
from eventplanner.errors import InvalidInput
from eventplanner.extensions import db

#: The most rows one call may upsert.
MAX_ROWS = 1000

#: The fields of ``ContactDetails`` a row may carry (absent: the contact keeps its value).
DETAIL_FIELDS = ("name", "email", "phone", "job_title", "language", "dietary_notes", "notes")


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Upserted:
    index: int
    contact: Contact
    outcome: Outcome


class RowsRefused(InvalidInput):
    """Some rows cannot be saved, so none is: ``errors`` is ``{index: {field: [message]}}``
    (rows counted from 0)."""

    def __init__(self, errors: Mapping[int, Mapping[str, list[str]]]) -> None:
        super().__init__(_l("Some rows were refused, so nothing was saved: see errors."))
        self.errors = errors


@dataclass(frozen=True)
class RowWords:
    """How refusals name a kind of row's natural key (a contact's email, a company's
    name); each is called with the number it names."""

    key_field: str
    same_key: Callable[[int], object]
    key_of_another_with_crm_id: Callable[[str], object]
    key_of_another: Callable[[], object]
    same_object: Callable[[int], object]


CONTACT_WORDS = RowWords(
    "email", lambda row: _l("Row %(row)d has the same email address.", row=row),
    lambda other: _l("This email address is another contact's (external_id %(other)s).",
                     other=other),
    lambda: _l("This email address is another contact's."),
    lambda row: _l("Row %(row)d changes the same contact.", row=row))
COMPANY_WORDS = RowWords(
    "name", lambda row: _l("Row %(row)d has the same name.", row=row),
    lambda other: _l("This name is another company's (external_id %(other)s).",
                     other=other),
    lambda: _l("This name is another company's."),
    lambda row: _l("Row %(row)d changes the same company.", row=row))


class RowChecks:
    """The refusals of one bulk call, by row (from 0) and field."""

    def __init__(self) -> None:
        self.errors: dict[int, dict[str, list[str]]] = {}

    def refuse(self, index: int, field: str, message) -> None:
        self.errors.setdefault(index, {}).setdefault(field, []).append(str(message))

    def match(self, keys: Sequence[tuple[str, str | None]], by_key: Mapping,
              by_external_id: Mapping, words: RowWords) -> list:
        """The object each row (its natural key and CRM id) updates, or None for a new
        one: the one with its CRM id, else the one with its key (which gets the CRM id
        if it has none). Refuses a key or CRM id twice in the call, two rows for one
        object, and a key of another object that has a CRM id of its own."""
        first_with_key: dict[str, int] = {}
        first_with_external_id: dict[str, int] = {}
        first_for_object: dict[int, int] = {}
        matched = []
        for index, (key, external_id) in enumerate(keys):
            if key in first_with_key:
                self.refuse(index, words.key_field, words.same_key(first_with_key[key]))
            first_with_key.setdefault(key, index)
            if external_id:
                if external_id in first_with_external_id:
                    self.refuse(index, "external_id", _l(
                        "Row %(row)d has the same external_id.",
                        row=first_with_external_id[external_id]))
                first_with_external_id.setdefault(external_id, index)
            found = by_external_id.get(external_id) if external_id else None
            holder = by_key.get(key)
            if found is None and holder is not None and external_id \
                    and holder.external_id is not None:
                self.refuse(index, words.key_field,
                            words.key_of_another_with_crm_id(holder.external_id))
            elif found is None:
                found = holder
            elif holder is not None and holder is not found:
                self.refuse(index, words.key_field, words.key_of_another())
            if found is not None:
                if found.id in first_for_object:
                    self.refuse(index, "external_id" if external_id else words.key_field,
                                words.same_object(first_for_object[found.id]))
                first_for_object.setdefault(found.id, index)
            matched.append(found)
        return matched

    def refuse_unknown_managers(self, rows: Sequence[Mapping], members: set[int]) -> None:
        for index, row in enumerate(rows):
            if row.get("account_manager_id") is not None \
                    and row["account_manager_id"] not in members:
                self.refuse(index, "account_manager_id",
                            _l("The account manager must be a member of this team."))

    def raise_if_any(self) -> None:
        if self.errors:
            raise RowsRefused(self.errors)


def _members_named(workspace_id: int, rows: Sequence[Mapping]) -> set[int]:
    """The workspace's members, when a row names an account manager (else no query)."""
    if any(row.get("account_manager_id") is not None for row in rows):
        return {member.id for member in members_of(workspace_id)}
    return set()


def upsert_contacts(actor: Organiser, rows: Sequence[Mapping]) -> list[Upserted]:
    """Create or update a contact per row, in the workspace ``actor`` works in.

    A row is a mapping with ``name`` and ``email`` (stored lower-case), and any of
    ``external_id``, ``phone``, ``job_title``, ``language``, ``dietary_notes``, ``notes``,
    ``company_id`` or ``company_name`` (None or "": no company), ``tags`` (names, set as
    a whole) and ``account_manager_id``. A field a row leaves out keeps the contact's value.

    A row with an ``external_id`` updates the contact with that CRM id; if none has it,
    the contact with the row's email (if it has no CRM id yet: it gets this one), else a
    new one. A row without one updates the contact with its email, or makes one.
    ``RowsRefused`` (nothing written) when a row repeats another's email, CRM id or
    contact, gives an email that another contact has, or names a company or account
    manager that is not the workspace's. The audit trail gets one line with the counts.
    """
    workspace_id = actor.workspace_id or 0
    emails = {row["email"] for row in rows}
    external_ids = {row["external_id"] for row in rows if row.get("external_id")}
    known = list(db.session.scalars(
        select(Contact).where(Contact.workspace_id == workspace_id,
                              Contact.erased_at.is_(None),
                              or_(Contact.email.in_(emails),
                                  Contact.external_id.in_(external_ids)))
        .options(selectinload(Contact.company), selectinload(Contact.tags))))
    company_ids = {row["company_id"] for row in rows if row.get("company_id") is not None}
    companies = {company.id: company for company in db.session.scalars(
        select(Company).where(Company.workspace_id == workspace_id,
                              Company.id.in_(company_ids)))} if company_ids else {}
    checks = RowChecks()
    matched = checks.match(
        [(row["email"], row.get("external_id")) for row in rows],
        {contact.email: contact for contact in known},
        {contact.external_id: contact for contact in known if contact.external_id},
        CONTACT_WORDS)
    for index, row in enumerate(rows):
        if row.get("company_id") is not None and row["company_id"] not in companies:
            checks.refuse(index, "company_id", _l("There is no company with this id."))
    checks.refuse_unknown_managers(rows, _members_named(workspace_id, rows))
    checks.raise_if_any()

    directory = Directory(workspace_id)
    done: list[Upserted] = []
    #: The contacts updated, by the names of the fields that changed.
    updated: defaultdict[tuple[str, ...], list[Contact]] = defaultdict(list)
    for index, (row, contact) in enumerate(zip(rows, matched, strict=True)):
        if contact is None:
            contact = Contact(workspace_id=workspace_id)
            _apply_row(contact, row, directory, companies)
            db.session.add(contact)
            done.append(Upserted(index, contact, Outcome.CREATED))
            continue
        before = _compared(contact)
        _apply_row(contact, row, directory, companies)
        changed = tuple(changes(before, _compared(contact)))
        if changed:
            updated[changed].append(contact)
        done.append(Upserted(index, contact, Outcome.UPDATED if changed
                             else Outcome.UNCHANGED))
    db.session.flush()
    counts = Counter(upserted.outcome for upserted in done)
    record(workspace_id, actor, "contacts.upserted",
           details={str(outcome): counts[outcome] for outcome in Outcome})
    announce_contacts(created=[upserted.contact for upserted in done
                               if upserted.outcome is Outcome.CREATED])
    for fields, contacts in updated.items():
        announce_contacts(updated=contacts, fields=fields)
    return done


def _apply_row(contact: Contact, row: Mapping, directory: Directory,
               companies: Mapping[int, Company]) -> None:
    current = {name: getattr(contact, name) or "" for name in DETAIL_FIELDS}
    company = contact.company
    if "company_id" in row:
        company = companies[row["company_id"]] if row["company_id"] is not None else None
    elif "company_name" in row:
        company = directory.company(row["company_name"] or "")
    tags = row["tags"] if "tags" in row else tuple(sorted(contact.tag_names))
    details = ContactDetails(
        **{**current, **{name: row[name] for name in DETAIL_FIELDS if name in row}},
        company_name=company.name if company is not None else "", tags=tuple(tags))
    apply_contact_details(contact, details, directory)
    contact.company = company
    if "account_manager_id" in row:
        contact.account_manager_id = row["account_manager_id"]
    if row.get("external_id"):
        contact.external_id = row["external_id"]


def _compared(contact: Contact) -> dict:
    """What a row can change, to tell an update from a row that changed nothing, and
    which fields it changed."""
    return {**audited_fields(contact), "account_manager_id": contact.account_manager_id,
            "external_id": contact.external_id}


@dataclass(frozen=True)
class CompanyUpserted:
    index: int
    company: Company
    outcome: Outcome


def upsert_companies(actor: Organiser, rows: Sequence[Mapping]) -> list[CompanyUpserted]:
    """Create or update a company per row, in the workspace ``actor`` works in.

    A row is a mapping with ``name`` and any of ``external_id``, ``notes`` and
    ``account_manager_id``; a field it leaves out keeps the company's value. A row with an
    ``external_id`` updates the company with that CRM id; if none has it, the company of
    that name (any case; if it has no CRM id yet: it gets this one), else a new one. A row
    without one updates the company of its name, or makes one. ``RowsRefused`` (nothing
    written) when a row repeats another's name, CRM id or company, gives a name another
    company has, or an account manager who is not a member. One line in the audit trail.
    """
    workspace_id = actor.workspace_id or 0

    def key(name: str) -> str:
        return " ".join(name.split()).lower()

    # All of them: names compare in any case, which SQLite's lower() does for ASCII only.
    known = list(db.session.scalars(
        select(Company).where(Company.workspace_id == workspace_id)))
    checks = RowChecks()
    matched = checks.match(
        [(key(row["name"]), row.get("external_id")) for row in rows],
        {key(company.name): company for company in known},
        {company.external_id: company for company in known if company.external_id},
        COMPANY_WORDS)
    checks.refuse_unknown_managers(rows, _members_named(workspace_id, rows))
    checks.raise_if_any()

    done: list[CompanyUpserted] = []
    for index, (row, company) in enumerate(zip(rows, matched, strict=True)):
        outcome = Outcome.UPDATED
        if company is None:
            company = Company(workspace_id=workspace_id, notes="")
            db.session.add(company)
            outcome = Outcome.CREATED
        before = (company.name, company.notes, company.account_manager_id, company.external_id)
        company.name = " ".join(row["name"].split())
        if "notes" in row:
            company.notes = row["notes"].strip()
        if "account_manager_id" in row:
            company.account_manager_id = row["account_manager_id"]
        if row.get("external_id"):
            company.external_id = row["external_id"]
        if outcome is Outcome.UPDATED and before == (
                company.name, company.notes, company.account_manager_id, company.external_id):
            outcome = Outcome.UNCHANGED
        done.append(CompanyUpserted(index, company, outcome))
    db.session.flush()
    counts = Counter(upserted.outcome for upserted in done)
    record(workspace_id, actor, "companies.upserted",
           details={str(outcome): counts[outcome] for outcome in Outcome})
    return done

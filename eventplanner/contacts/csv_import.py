"""Importing contacts from a CSV file: read, preview row by row, then write in one go.

Accepts what spreadsheets write: UTF-8 with or without a byte-order mark, commas or
semicolons (Excel in Norway and Germany writes semicolons), headers in English,
Norwegian, Danish or German. Nothing is written until the organiser confirms the preview,
and then every valid row is written in the caller's single transaction.
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.auth.services import normalise_email
from eventplanner.contacts.models import LANGUAGE_CODES, Contact
from eventplanner.contacts.services import (
    ContactDetails,
    Directory,
    apply_contact_details,
    members_of,
    parse_tags,
)
from eventplanner.contacts.signals import announce_contacts
from eventplanner.errors import InvalidInput
from eventplanner.extensions import db

MAX_ROWS = 20_000

#: Column names people use, lower-cased, mapped to ours.
HEADER_ALIASES = {
    "name": "name", "full name": "name", "navn": "name", "fulde navn": "name",
    "fullt navn": "name",
    "email": "email", "e-mail": "email", "e-post": "email", "epost": "email",
    "e-mail-adresse": "email", "email address": "email", "mail": "email",
    "phone": "phone", "telephone": "phone", "mobile": "phone", "telefon": "phone",
    "mobil": "phone", "telefonnummer": "phone", "handy": "phone",
    "job title": "job_title", "title": "job_title", "role": "job_title",
    "stilling": "job_title", "tittel": "job_title", "stillingsbetegnelse": "job_title",
    "titel": "job_title", "position": "job_title", "funktion": "job_title",
    "company": "company", "organisation": "company", "organization": "company",
    "firma": "company", "selskap": "company", "virksomhed": "company",
    "unternehmen": "company", "bedrift": "company",
    "language": "language", "språk": "language", "sprog": "language", "sprache": "language",
    "dietary": "dietary", "dietary notes": "dietary", "dietary needs": "dietary",
    "allergies": "dietary", "allergier": "dietary", "diett": "dietary", "kost": "dietary",
    "ernährung": "dietary", "allergien": "dietary",
    "tags": "tags", "tag": "tags", "stikkord": "tags", "etiketter": "tags",
    "schlagworte": "tags",
    "notes": "notes", "note": "notes", "notater": "notes", "noter": "notes",
    "notizen": "notes", "bemerkungen": "notes",
    "account manager": "manager", "kundeansvarlig": "manager", "kundeansvarig": "manager",
    "kundebetreuer": "manager",
}


class RowAction(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    ERROR = "error"


@dataclass
class ImportRow:
    line: int
    details: ContactDetails | None
    action: RowAction
    problems: list[str] = field(default_factory=list)
    raw_name: str = ""
    raw_email: str = ""


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action is action)

    @property
    def importable(self) -> list[ImportRow]:
        return [row for row in self.rows if row.action is not RowAction.ERROR]


class UnreadableFile(InvalidInput):
    default_message = _l("That file could not be read as CSV.")


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_l(
            "The file is not UTF-8 text. In Excel, save it as \"CSV UTF-8\".")) from None


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The recognised columns and each data row as {column: value}, with its line number."""
    if not text.strip():
        raise UnreadableFile(_l("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        columns = [HEADER_ALIASES.get(name.strip().lower(), "") for name in header]
        if "name" not in columns or "email" not in columns:
            raise UnreadableFile(_l(
                "The first row must name the columns, with at least \"name\" and \"email\"."))
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise UnreadableFile(_l("A file can hold at most %(max)d contacts.",
                                        max=MAX_ROWS))
            row = {column: value.strip() for column, value in zip(columns, values, strict=False)
                   if column}
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise UnreadableFile(_l("Line %(line)d of the file is broken: %(error)s",
                                line=reader.line_num, error=str(error))) from None
    return columns, rows


def preview_import(organiser: Organiser, data: bytes) -> ImportPreview:
    """Check every row against the file and the organiser's contacts; write nothing."""
    _, rows = read_rows(decode_csv(data))
    existing = set(db.session.scalars(
        select(Contact.email).where(Contact.workspace_id == organiser.workspace_id)))
    members = {member.email: member.id for member in members_of(organiser.workspace_id or 0)}
    seen: dict[str, int] = {}
    preview = []
    for line, row in rows:
        problems = []
        name, raw_email = row.get("name", ""), row.get("email", "")
        email = ""
        if not name:
            problems.append(str(_l("The name is missing.")))
        if not raw_email:
            problems.append(str(_l("The email address is missing.")))
        else:
            try:
                email = normalise_email(validate_email(
                    raw_email, check_deliverability=False).normalized)
            except EmailNotValidError:
                problems.append(str(_l("\"%(email)s\" is not a valid email address.",
                                       email=raw_email)))
        if email and email in seen:
            problems.append(str(_l("The same email address is on line %(line)d.",
                                   line=seen[email])))
        language = row.get("language", "").lower()
        if language and language not in LANGUAGE_CODES:
            problems.append(str(_l("Unknown language \"%(language)s\": use en, nb, da or de.",
                                   language=language)))
        if email:
            seen.setdefault(email, line)
        if len(name) > 120:
            problems.append(str(_l("The name is longer than 120 characters.")))
        manager = row.get("manager", "")
        if manager and normalise_email(manager) not in members:
            problems.append(str(_l("The account manager \"%(email)s\" is not a member of "
                                   "this team.", email=manager)))
        if problems:
            preview.append(ImportRow(line, None, RowAction.ERROR, problems, name, raw_email))
            continue
        details = ContactDetails(
            name=name, email=email, phone=row.get("phone", "")[:40],
            job_title=row.get("job_title", "")[:120],
            company_name=row.get("company", ""), language=language,
            dietary_notes=row.get("dietary", "")[:500], tags=parse_tags(row.get("tags", "")),
            notes=row.get("notes", ""),
            account_manager_id=members.get(normalise_email(manager)) if manager else None,
        )
        action = RowAction.UPDATE if email in existing else RowAction.NEW
        preview.append(ImportRow(line, details, action, [], name, email))
    return ImportPreview(preview)


def apply_import(organiser: Organiser, preview: ImportPreview) -> tuple[int, int]:
    """Write the valid rows: new contacts are added, known ones updated. Returns counts.

    For an update, an empty cell keeps what the contact had; tags are added, not replaced.
    The account managers were checked by ``preview_import`` (members of the workspace).
    The audit trail keeps who imported how many.
    """
    directory = Directory(organiser.workspace_id or 0)
    known = {c.email: c for c in db.session.scalars(
        select(Contact).where(Contact.workspace_id == organiser.workspace_id)
        .options(selectinload(Contact.company), selectinload(Contact.tags)))}
    added, updated = [], []
    for row in preview.importable:
        details = row.details
        contact = known.get(details.email)
        if contact is None:
            contact = Contact(workspace_id=organiser.workspace_id)
            apply_contact_details(contact, details, directory)
            contact.account_manager_id = details.account_manager_id
            db.session.add(contact)
            added.append(contact)
        else:
            merged = ContactDetails(
                name=details.name or contact.name, email=contact.email,
                phone=details.phone or contact.phone,
                job_title=details.job_title or contact.job_title,
                company_name=details.company_name or (
                    contact.company.name if contact.company else ""),
                language=details.language or contact.language,
                dietary_notes=details.dietary_notes or contact.dietary_notes,
                tags=tuple(sorted(set(contact.tag_names) | set(details.tags))),
                notes=details.notes or contact.notes,
            )
            apply_contact_details(contact, merged, directory)
            if details.account_manager_id is not None:
                contact.account_manager_id = details.account_manager_id
            updated.append(contact)
    record(organiser.workspace_id or 0, organiser, "contacts.imported",
           details={"added": len(added), "updated": len(updated)})
    db.session.flush()
    announce_contacts(created=added, updated=updated)
    return len(added), len(updated)

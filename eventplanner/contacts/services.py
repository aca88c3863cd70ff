"""Rules for an organiser's client companies and contacts."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eventplanner.audit.services import changes, record
from eventplanner.auth.models import Membership, Organiser
from eventplanner.auth.services import normalise_email
from eventplanner.contacts.models import Company, Contact, Tag, contact_tag
from eventplanner.contacts.signals import announce_contacts
from eventplanner.errors import InvalidInput, InvalidState
from eventplanner.extensions import db, utcnow


class EmailInUse(InvalidState):
    default_message = _l("You already have a contact with this email address.")


class NotAMember(InvalidInput):
    default_message = _l("The account manager must be a member of this team.")


class CompanyNameInUse(InvalidState):
    default_message = _l("You already have a company with this name.")


@dataclass(frozen=True)
class ContactDetails:
    name: str
    email: str
    phone: str = ""
    job_title: str = ""
    company_name: str = ""
    language: str = ""
    dietary_notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    notes: str = ""
    #: The member who looks after the contact ("our person"); None: nobody.
    account_manager_id: int | None = None


def parse_tags(text: str) -> tuple[str, ...]:
    """ "VIP, runner ,vip" -> ("runner", "vip"): lower-case, unique, sorted."""
    return tuple(sorted({part.strip().lower()[:60] for part in text.replace(";", ",").split(",")
                         if part.strip()}))


def tags_for(organiser: Organiser) -> list[Tag]:
    """The tags of the workspace the organiser works in, by name."""
    return _tags_of(organiser.workspace_id or 0)


def _tags_of(workspace_id: int) -> list[Tag]:
    return list(db.session.scalars(
        select(Tag).where(Tag.workspace_id == workspace_id).order_by(Tag.name)))


class Directory:
    """Finds or makes a workspace's companies and tags by name, remembering what it saw.

    One instance serves a whole import, so 5,000 rows cost a few queries, not 10,000.
    """

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.companies = {c.name.lower(): c for c in db.session.scalars(
            select(Company).where(Company.workspace_id == workspace_id))}
        self.tags = {t.name: t for t in _tags_of(workspace_id)}

    def company(self, name: str) -> Company | None:
        name = " ".join(name.split())[:200]
        if not name:
            return None
        if name.lower() not in self.companies:
            company = Company(workspace_id=self.workspace_id, name=name)
            db.session.add(company)
            self.companies[name.lower()] = company
        return self.companies[name.lower()]

    def tag_list(self, names: tuple[str, ...]) -> list[Tag]:
        for name in names:
            if name not in self.tags:
                tag = Tag(workspace_id=self.workspace_id, name=name)
                db.session.add(tag)
                self.tags[name] = tag
        return [self.tags[name] for name in names]


def email_taken(workspace_id: int, email: str, except_id: int | None = None) -> bool:
    """Whether a contact of the workspace has this address (other than ``except_id``)."""
    query = select(Contact.id).where(Contact.workspace_id == workspace_id,
                                     Contact.email == normalise_email(email))
    if except_id is not None:
        query = query.where(Contact.id != except_id)
    return db.session.scalar(query) is not None


def members_of(workspace_id: int) -> list[Organiser]:
    """The members of a workspace (who may look after its clients), by name."""
    return list(db.session.scalars(
        select(Organiser).join(Membership, Membership.organiser_id == Organiser.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(func.lower(Organiser.name), Organiser.id)))


def account_manager_in(workspace_id: int, organiser_id: int | None) -> Organiser | None:
    """The member ``organiser_id`` of the workspace (None for None); ``NotAMember`` if the
    account is not a member of this workspace (or does not exist)."""
    if organiser_id is None:
        return None
    manager = db.session.scalar(
        select(Organiser).join(Membership, Membership.organiser_id == Organiser.id)
        .where(Organiser.id == organiser_id, Membership.workspace_id == workspace_id))
    if manager is None:
        raise NotAMember()
    return manager


def create_contact(organiser: Organiser, details: ContactDetails,
                   directory: Directory | None = None, external_id: str | None = None
                   ) -> Contact:
    """Add a contact to the workspace ``organiser`` works in; ``external_id``: their id
    in the team's CRM (the API's callers check that no other contact has it)."""
    workspace_id = organiser.workspace_id or 0
    if email_taken(workspace_id, details.email):
        raise EmailInUse()
    manager = account_manager_in(workspace_id, details.account_manager_id)
    contact = Contact(workspace_id=workspace_id, external_id=external_id)
    apply_contact_details(contact, details, directory or Directory(workspace_id))
    contact.account_manager = manager
    db.session.add(contact)
    db.session.flush()
    announce_contacts(created=[contact])
    return contact


def update_contact(contact: Contact, details: ContactDetails,
                   actor: Organiser | None) -> Contact:
    """Change a contact's details and account manager; the audit trail keeps what changed
    (old -> new) and who changed it (``actor``; None: the system)."""
    if email_taken(contact.workspace_id, details.email, except_id=contact.id):
        raise EmailInUse()
    manager = contact.account_manager \
        if details.account_manager_id == contact.account_manager_id \
        else account_manager_in(contact.workspace_id, details.account_manager_id)
    before = audited_fields(contact)
    apply_contact_details(contact, details, Directory(contact.workspace_id))
    changed = changes(before, audited_fields(contact))
    if changed:
        record(contact.workspace_id, actor, "contact.changed", contact_id=contact.id,
               details=changed)
    _change_account_manager(contact, manager, actor)
    db.session.flush()
    if changed:
        announce_contacts(updated=[contact], fields=changed)
    return contact


def audited_fields(contact: Contact) -> dict:
    """The fields of a contact whose changes the audit trail keeps, as plain values."""
    return {"name": contact.name, "email": contact.email, "phone": contact.phone,
            "job_title": contact.job_title,
            "company": contact.company.name if contact.company else None,
            "language": contact.language, "dietary_notes": contact.dietary_notes,
            "tags": sorted(tag.name for tag in contact.tags), "notes": contact.notes}


def set_contact_account_manager(contact: Contact, organiser_id: int | None,
                                actor: Organiser | None) -> None:
    """Make the member ``organiser_id`` (None: nobody) look after the contact."""
    _change_account_manager(contact, account_manager_in(contact.workspace_id, organiser_id),
                            actor)
    db.session.flush()


def _change_account_manager(contact: Contact, manager: Organiser | None,
                            actor: Organiser | None) -> None:
    if contact.account_manager_id == (manager.id if manager else None):
        return
    before = contact.account_manager
    contact.account_manager = manager
    record(contact.workspace_id, actor, "contact.account_manager_changed",
           contact_id=contact.id, details={"account_manager": [
               before.name if before else None, manager.name if manager else None]})


def set_company_account_manager(company: Company, organiser_id: int | None,
                                actor: Organiser | None) -> None:
    """Make the member ``organiser_id`` (None: nobody) look after the company; the audit
    trail keeps the change."""
    manager = account_manager_in(company.workspace_id, organiser_id)
    if company.account_manager_id == (manager.id if manager else None):
        return
    before = company.account_manager
    company.account_manager = manager
    record(company.workspace_id, actor, "company.account_manager_changed", details={
        "company_id": company.id, "company": company.name,
        "account_manager": [before.name if before else None,
                            manager.name if manager else None]})
    db.session.flush()


def company_name_taken(workspace_id: int, name: str, except_id: int | None = None) -> bool:
    """Whether a company of the workspace has this name, whatever its case (other than
    ``except_id``)."""
    wanted = " ".join(name.split()).lower()
    # Compared here: SQLite's lower() knows ASCII only (Ærø, Müller).
    return any(" ".join(other.split()).lower() == wanted and company_id != except_id
               for company_id, other in db.session.execute(
                   select(Company.id, Company.name).where(Company.workspace_id == workspace_id)))


def create_company(organiser: Organiser, name: str, notes: str = "") -> Company:
    """Add a company to the workspace ``organiser`` works in; ``CompanyNameInUse`` if one
    has this name (in any case)."""
    workspace_id = organiser.workspace_id or 0
    name = " ".join(name.split())
    if company_name_taken(workspace_id, name):
        raise CompanyNameInUse()
    company = Company(workspace_id=workspace_id, name=name, notes=notes.strip())
    db.session.add(company)
    db.session.flush()
    return company


def update_company(company: Company, name: str, notes: str, actor: Organiser | None) -> None:
    """Rename a company and change its notes; the audit trail keeps what changed."""
    name = " ".join(name.split())
    if name != company.name and company_name_taken(company.workspace_id, name,
                                                   except_id=company.id):
        raise CompanyNameInUse()
    before = {"name": company.name, "notes": company.notes}
    company.name, company.notes = name, notes.strip()
    changed = changes(before, {"name": company.name, "notes": company.notes})
    if changed:
        record(company.workspace_id, actor, "company.changed",
               details={"company_id": company.id, **changed})
    db.session.flush()


def apply_contact_details(contact: Contact, details: ContactDetails,
                          directory: Directory) -> None:
    contact.name = details.name.strip()
    email = normalise_email(details.email)
    if email != contact.email:  # a new address has not bounced yet
        contact.email_bounced_at, contact.email_bounce_reason = None, ""
    contact.email = email
    contact.phone = details.phone.strip()
    contact.job_title = " ".join(details.job_title.split())
    contact.language = details.language
    contact.dietary_notes = details.dietary_notes.strip()
    contact.notes = details.notes.strip()
    contact.company = directory.company(details.company_name)
    tags = directory.tag_list(details.tags)
    if {tag.name for tag in contact.tags} != set(details.tags):
        # The association table changes, not the contact's row: say it changed, so a
        # sync (the API's ``updated_since``) sees it.
        contact.updated_at = utcnow()
    contact.tags = tags


def delete_contact(contact: Contact) -> None:
    """Delete a contact, with their invitations and answers to events."""
    db.session.delete(contact)
    db.session.flush()


def contact_ids_with_tag(organiser: Organiser, tag_name: str) -> list[int]:
    return list(db.session.scalars(
        select(contact_tag.c.contact_id).join(Tag, Tag.id == contact_tag.c.tag_id)
        .where(Tag.workspace_id == organiser.workspace_id, Tag.name == tag_name.strip().lower())))

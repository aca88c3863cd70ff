"""Who may see which events, contacts and companies: the one access policy.

One rule decides which events an organiser may see: those they own or co-organise; and
contacts and companies are an organiser's own address book. Every page loads its event,
contact or company through the loaders here, and every page that shows data from more than
one event (a contact's history, a company's years, the guests to look after, earlier
editions of a race, the feedback trend, the outbox, the calendar feed) filters by the same
rule, so a list never shows what its detail page answers 404 to.

It sits above the packages whose objects it rules on (events, contacts) and below the ones
that list or load them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload, subqueryload

from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact, Tag
from eventplanner.errors import NotFound
from eventplanner.events.models import Activity, Event, event_co_organiser
from eventplanner.extensions import db

# --- events ------------------------------------------------------------------------------


def event_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Event``: the event is owned or co-organised by ``organiser``."""
    co_organised = select(event_co_organiser.c.event_id).where(
        event_co_organiser.c.organiser_id == organiser.id
    )
    return or_(Event.owner_id == organiser.id, Event.id.in_(co_organised))


def visible_event_ids(organiser: Organiser) -> Select:
    """SQL subquery: ids of the events the organiser may see (owns or co-organises)."""
    return select(Event.id).where(event_visible_to(organiser))


def events_for(organiser: Organiser) -> list[Event]:
    """Every event the organiser owns or co-organises, with their parts loaded."""
    query = (
        select(Event)
        .where(event_visible_to(organiser))
        .options(selectinload(Event.activities), selectinload(Event.owner))
    )
    return list(db.session.scalars(query))


def get_event_for(organiser: Organiser, event_id: int) -> Event:
    """The event, if the organiser may manage it; ``NotFound`` otherwise.

    A foreign event looks exactly like a missing one, so ids reveal nothing.
    """
    event = db.session.scalar(
        select(Event)
        .where(Event.id == event_id, event_visible_to(organiser))
        .options(selectinload(Event.activities), joinedload(Event.co_organisers))
    )
    if event is None:
        raise NotFound()
    return event


def get_activity_for(organiser: Organiser, event_id: int, activity_id: int) -> Activity:
    event = get_event_for(organiser, event_id)
    for activity in event.activities:
        if activity.id == activity_id:
            return activity
    raise NotFound()


# --- the address book --------------------------------------------------------------------


def may_open_contact(organiser: Organiser, contact: Contact) -> bool:
    """Contacts are an organiser's own address book: a co-organiser sees an event's guests
    on that event's pages, not the owner's contact pages."""
    return contact.organiser_id == organiser.id


def company_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Company``: companies, like contacts, are the organiser's own."""
    return Company.organiser_id == organiser.id


def contacts_for(organiser: Organiser, search: str = "", company_id: int | None = None,
                 tag: str = "") -> list[Contact]:
    """The organiser's contacts, filtered, with company and tags loaded, by name."""
    query = (
        select(Contact).where(Contact.organiser_id == organiser.id,
                              Contact.erased_at.is_(None))
        .outerjoin(Contact.company)
        .options(contains_eager(Contact.company), subqueryload(Contact.tags))
        .order_by(func.lower(Contact.name), Contact.id)
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Contact.name).like(pattern),
                                Contact.email.like(pattern),
                                func.lower(Company.name).like(pattern)))
    if company_id:
        query = query.where(Contact.company_id == company_id)
    if tag:
        query = query.where(Contact.tags.any(Tag.name == tag.strip().lower()))
    return list(db.session.scalars(query))


def get_contact_for(organiser: Organiser, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or not may_open_contact(organiser, contact):
        raise NotFound()
    return contact


def companies_for(organiser: Organiser) -> list[Company]:
    return list(db.session.scalars(
        select(Company).where(company_visible_to(organiser))
        .order_by(func.lower(Company.name))))


def get_company_for(organiser: Organiser, company_id: int) -> Company:
    company = db.session.scalar(select(Company).where(
        Company.id == company_id, company_visible_to(organiser)))
    if company is None:
        raise NotFound()
    return company


def companies_with_counts(organiser: Organiser) -> list[tuple[Company, int]]:
    """The organiser's companies, by name, with how many contacts each has."""
    return list(db.session.execute(
        select(Company, func.count(Contact.id)).outerjoin(Contact, Contact.company_id == Company.id)
        .where(company_visible_to(organiser)).group_by(Company.id)
        .order_by(func.lower(Company.name))).all())

"""Who may open which pages, and see which events.

One rule decides which events an organiser may see: those they own or co-organise. Every
page loads its event through it (``events.services.get_event_for``), and every page that
shows data from more than one event (a contact's history, a company's years, the guests to
look after, earlier editions of a race, the feedback trend) filters by the same rule, so a
list never shows what its detail page answers 404 to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint
from flask_login import login_required
from sqlalchemy import ColumnElement, Select, or_, select

from eventplanner.events.models import Event, event_co_organiser

if TYPE_CHECKING:
    from eventplanner.auth.models import Organiser
    from eventplanner.contacts.models import Contact


def organisers_only(blueprint: Blueprint) -> Blueprint:
    """Every page of ``blueprint`` needs a logged-in organiser (others go to the login)."""

    @blueprint.before_request
    @login_required
    def require_login() -> None:
        return None

    return blueprint


def event_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Event``: the event is owned or co-organised by ``organiser``."""
    co_organised = select(event_co_organiser.c.event_id).where(
        event_co_organiser.c.organiser_id == organiser.id
    )
    return or_(Event.owner_id == organiser.id, Event.id.in_(co_organised))


def visible_event_ids(organiser: Organiser) -> Select:
    """SQL subquery: ids of the events the organiser may see (owns or co-organises)."""
    return select(Event.id).where(event_visible_to(organiser))


def may_open_contact(organiser: Organiser, contact: Contact) -> bool:
    """Contacts are an organiser's own address book: a co-organiser sees an event's guests
    on that event's pages, not the owner's contact pages."""
    return contact.organiser_id == organiser.id

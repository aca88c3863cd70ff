"""Who may do what to which events, contacts and companies: the one access policy.

A workspace (a company's events team) owns its contacts, companies, series and events. Its
members may do what their role allows (``ROLE_ACTIONS``) to everything of the workspace they
work in now, and nothing else; an event may also be shared with an outside person (an
account that is not a member), who may read and organise that event only.

Every page loads its event, contact or company through the loaders here, and every page that
shows data from more than one event (a contact's history, a company's years, the guests to
look after, earlier editions of a race, the feedback trend, the outbox, the calendar feed)
filters by the same rule, so a list never shows what its detail page answers 404 to. Each
route declares the action it needs (``permissions.requires``); ``authorize`` decides it:
404 for what the account may not know of, 403 for what it may see but not do.

It sits above the packages whose objects it rules on (events, contacts) and below the ones
that list or load them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload, subqueryload

from eventplanner.auth.models import Membership, Organiser, Role, Workspace
from eventplanner.contacts.models import Company, Contact, Tag
from eventplanner.errors import Forbidden, NotFound
from eventplanner.events.models import Activity, Event, event_co_organiser
from eventplanner.extensions import db


class Action(enum.StrEnum):
    """What a route does, as the policy knows it."""

    #: See events, guests, answers, results, feedback, contacts, companies and notes.
    READ = "read"
    #: Change them: events and parts, contacts, invitations, results, feedback requests,
    #: notes, check-in, exports of personal data.
    ORGANISE = "organise"
    #: Share one event with an outside person (an account that is not a member), or stop.
    SHARE = "share"
    #: Erase a contact's personal data for good.
    ERASE = "erase"
    #: Invite members, change their roles, remove them; read the audit trail.
    MANAGE_MEMBERS = "manage members"
    #: Connect other systems: API tokens and webhook subscriptions.
    MANAGE_INTEGRATIONS = "manage integrations"
    #: Hand the workspace to another member; require two-factor sign-in.
    OWN = "own"


#: The policy table: what each role may do in its workspace.
ROLE_ACTIONS: Mapping[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.ADMIN: frozenset({Action.READ, Action.ORGANISE, Action.SHARE, Action.ERASE,
                           Action.MANAGE_MEMBERS, Action.MANAGE_INTEGRATIONS}),
    Role.ORGANISER: frozenset({Action.READ, Action.ORGANISE, Action.SHARE}),
    Role.VIEWER: frozenset({Action.READ}),
}
#: What an outside person may do to the one event shared with them.
OUTSIDE_ACTIONS = frozenset({Action.READ, Action.ORGANISE})

#: What an API token may be allowed, by area, and the action each needs of the member who
#: made the token (their role still decides: an API call is never more than they may do).
#: ``events``: events and their parts; ``contacts``: contacts, companies, tags, account
#: managers; ``guests``: invitations, answers, check-ins, goals, results, feedback.
API_SCOPES: Mapping[str, Action] = {
    "events:read": Action.READ,
    "events:write": Action.ORGANISE,
    "contacts:read": Action.READ,
    "contacts:write": Action.ORGANISE,
    "contacts:erase": Action.ERASE,
    "guests:read": Action.READ,
    "guests:write": Action.ORGANISE,
}


def token_may(organiser: Organiser, scopes: frozenset[str], scope: str) -> bool:
    """Whether a call with a token of ``scopes``, made by ``organiser`` (working in the
    token's workspace), may use ``scope``."""
    return scope in scopes and may(organiser, API_SCOPES[scope])


def role_of(organiser: Organiser) -> Role | None:
    """The account's role in the workspace it works in now (None: in no workspace)."""
    membership = organiser.membership
    return membership.role if membership is not None else None


def may(organiser: Organiser, action: Action) -> bool:
    """Whether the account's role in its current workspace allows ``action``."""
    role = role_of(organiser)
    return role is not None and action in ROLE_ACTIONS[role]


def may_on_event(organiser: Organiser, action: Action, event: Event) -> bool:
    """Whether the account may do ``action`` to ``event`` (a member of its workspace by
    their role, an outside person it is shared with by ``OUTSIDE_ACTIONS``)."""
    if event.workspace_id == organiser.workspace_id:
        return may(organiser, action)
    return action in OUTSIDE_ACTIONS and _is_shared_with(organiser, event.id)


def require(organiser: Organiser, action: Action) -> None:
    """``Forbidden`` unless the account's role allows ``action``."""
    if not may(organiser, action):
        raise Forbidden()


def authorize(organiser: Organiser, action: Action, arguments: Mapping[str, object]) -> None:
    """Decide a request that needs ``action``, from its URL's arguments: on an event's
    pages (``event_id``), ``NotFound`` if the account may not know of the event and
    ``Forbidden`` if it may see it but not do this; elsewhere ``Forbidden`` unless the role
    allows it. Objects named further in the URL are checked by their loaders."""
    event_id = arguments.get("event_id")
    if event_id is None:
        require(organiser, action)
        return
    workspace_id = db.session.scalar(select(Event.workspace_id).where(Event.id == event_id))
    if workspace_id is None:
        raise NotFound()
    if workspace_id == organiser.workspace_id:
        require(organiser, action)
    elif not _is_shared_with(organiser, int(event_id)):
        _refuse_event_of_another_workspace(organiser, workspace_id)
    elif action not in OUTSIDE_ACTIONS:
        raise Forbidden()


class InAnotherWorkspace(NotFound):
    """The event belongs to another workspace the account is a member of (not the one it
    works in now): still not found here, but the page can offer to switch."""

    def __init__(self, workspace_id: int, workspace_name: str) -> None:
        super().__init__(_l("This belongs to %(workspace)s, another of your workspaces. "
                            "Switch to it to open it.", workspace=workspace_name))
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name


def _refuse_event_of_another_workspace(organiser: Organiser, workspace_id: int) -> None:
    """``InAnotherWorkspace`` if the account is a member of the event's workspace, else
    ``NotFound``."""
    name = db.session.scalar(
        select(Workspace.name).join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.organiser_id == organiser.id, Workspace.id == workspace_id))
    if name is None:
        raise NotFound()
    raise InAnotherWorkspace(workspace_id, name)


def _is_shared_with(organiser: Organiser, event_id: int) -> bool:
    return db.session.scalar(select(event_co_organiser.c.event_id).where(
        event_co_organiser.c.event_id == event_id,
        event_co_organiser.c.organiser_id == organiser.id)) is not None


# --- events ------------------------------------------------------------------------------


def event_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Event``: the event belongs to the workspace the account works in,
    or is shared with the account as an outside person."""
    shared = select(event_co_organiser.c.event_id).where(
        event_co_organiser.c.organiser_id == organiser.id)
    workspace_id = organiser.workspace_id
    in_workspace = Event.workspace_id == workspace_id if workspace_id is not None else false()
    return or_(in_workspace, Event.id.in_(shared))


def event_ids_of_every_workspace(organiser: Organiser) -> Select:
    """SQL subquery: ids of the events of every workspace the account is a member of, and
    of those shared with it (the account's own calendar feed, which is not tied to the
    workspace it works in now)."""
    memberships = select(Membership.workspace_id).where(
        Membership.organiser_id == organiser.id)
    shared = select(event_co_organiser.c.event_id).where(
        event_co_organiser.c.organiser_id == organiser.id)
    return select(Event.id).where(or_(Event.workspace_id.in_(memberships),
                                      Event.id.in_(shared)))


def visible_event_ids(organiser: Organiser) -> Select:
    """SQL subquery: ids of the events the account may see (its workspace's and those
    shared with it)."""
    return select(Event.id).where(event_visible_to(organiser))


def events_for(organiser: Organiser) -> list[Event]:
    """Every event the organiser owns or co-organises, with their parts loaded."""
    query = (
        select(Event)
        .where(event_visible_to(organiser))
        .options(selectinload(Event.activities), selectinload(Event.owner),
                 selectinload(Event.workspace))
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
    """Contacts are the workspace's client book: an outside person sees an event's guests
    on that event's pages, not the workspace's contact pages."""
    return contact.workspace_id == organiser.workspace_id


def contact_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Contact``: a contact of the workspace the account works in."""
    return Contact.workspace_id == (organiser.workspace_id or 0)


def company_visible_to(organiser: Organiser) -> ColumnElement[bool]:
    """SQL condition on ``Company``: companies, like contacts, are the workspace's."""
    return Company.workspace_id == (organiser.workspace_id or 0)


def contacts_for(organiser: Organiser, search: str = "", company_id: int | None = None,
                 tag: str = "", managed_by: Organiser | None = None) -> list[Contact]:
    """The organiser's contacts, filtered, with company, tags and account managers loaded,
    by name. ``managed_by``: only the clients that member looks after (the contact's
    account manager, or their company's)."""
    query = (
        select(Contact).where(contact_visible_to(organiser), Contact.erased_at.is_(None))
        .outerjoin(Contact.company)
        .options(contains_eager(Contact.company).selectinload(Company.account_manager),
                 selectinload(Contact.account_manager), subqueryload(Contact.tags))
        .order_by(func.lower(Contact.name), Contact.id)
    )
    if managed_by is not None:
        query = query.where(or_(Contact.account_manager_id == managed_by.id,
                                Company.account_manager_id == managed_by.id))
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
    """The workspace's companies, by name, with how many contacts each has and their
    account manager loaded."""
    return list(db.session.execute(
        select(Company, func.count(Contact.id)).outerjoin(Contact, Contact.company_id == Company.id)
        .where(company_visible_to(organiser)).group_by(Company.id)
        .order_by(func.lower(Company.name))
        .options(selectinload(Company.account_manager))).all())

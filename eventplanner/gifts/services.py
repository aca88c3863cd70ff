"""Recording gifts, the yearly limit per recipient, and the year's list for an audit.

Services add and flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select
from sqlalchemy.orm import joinedload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser, Workspace
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import members_of
from eventplanner.errors import InvalidInput, NotFound
from eventplanner.extensions import db
from eventplanner.gifts.models import Gift, GiftDirection

#: The currency codes of ISO 4217 (as Babel knows them).
CURRENCIES = frozenset(list_currencies())
#: The largest value a gift may have (the column's precision).
MAX_VALUE = Decimal("9999999999.99")


class UnknownCurrency(InvalidInput):
    default_message = _l("Choose a currency by its ISO 4217 code, such as NOK, DKK, EUR or USD.")


class NegativeValue(InvalidInput):
    default_message = _l("A gift's value cannot be negative.")


@dataclass(frozen=True)
class GiftDetails:
    direction: GiftDirection
    given_on: date
    description: str
    value: Decimal | None = None
    currency: str = ""
    occasion: str = ""
    member_id: int | None = None


def _checked_money(value: Decimal | None, currency: str) -> tuple[Decimal | None, str]:
    currency = currency.strip().upper()
    if value is not None and not value.is_finite():
        raise InvalidInput(_l("Enter an amount, such as 450 or 450.50."))
    if value is not None and value < 0:
        raise NegativeValue()
    if value is not None and value > MAX_VALUE:
        raise InvalidInput(_l("That value is too large."))
    if (value is not None or currency) and currency not in CURRENCIES:
        raise UnknownCurrency()
    return value, currency


def record_gift(workspace_id: int, details: GiftDetails, by: Organiser, *,
                contact: Contact | None = None, company: Company | None = None) -> Gift:
    """A gift given to or received from a contact (their company noted with it) or a
    company as a whole."""
    value, currency = _checked_money(details.value, details.currency)
    if details.member_id is not None and details.member_id not in {
            member.id for member in members_of(workspace_id)}:
        raise InvalidInput(_l("Choose who gave or received it from the members of this team."))
    gift = Gift(workspace_id=workspace_id, contact=contact,
                company=contact.company if contact is not None else company,
                direction=details.direction, given_on=details.given_on,
                description=details.description.strip()[:200], value=value, currency=currency,
                occasion=details.occasion.strip()[:200], member_id=details.member_id,
                created_by_id=by.id)
    db.session.add(gift)
    db.session.flush()
    return gift


def gifts_about(*, contact: Contact | None = None,
                company: Company | None = None) -> list[Gift]:
    """A contact's gifts, or a company's (its people's included), newest first."""
    which = Gift.contact_id == contact.id if contact is not None else \
        Gift.company_id == company.id
    return list(db.session.scalars(
        select(Gift).where(which).options(joinedload(Gift.member), joinedload(Gift.contact))
        .order_by(Gift.given_on.desc(), Gift.id.desc())))


def get_gift(workspace_id: int, gift_id: int) -> Gift:
    gift = db.session.get(Gift, gift_id)
    if gift is None or gift.workspace_id != workspace_id:
        raise NotFound()
    return gift


def delete_gift(gift: Gift) -> None:
    db.session.delete(gift)
    db.session.flush()


def set_gift_limit(workspace: Workspace, limit: Decimal | None, currency: str,
                   by: Organiser) -> Workspace:
    """The most given to one client in a calendar year; none when ``limit`` is None."""
    if limit is None:
        currency = ""
    else:
        limit, currency = _checked_money(limit, currency)
        if not currency:
            raise UnknownCurrency()
    before = [str(workspace.gift_limit or ""), workspace.gift_limit_currency]
    workspace.gift_limit, workspace.gift_limit_currency = limit, currency
    record(workspace.id, by, "workspace.gift_limit_changed",
           details={"limit": [" ".join(filter(None, before)),
                              " ".join(filter(None, (str(limit or ""), currency)))]})
    db.session.flush()
    return workspace


@dataclass(frozen=True)
class LimitPassed:
    """A gift that takes its recipient past the yearly limit: what they were given that
    year in the limit's currency, and the limit."""

    given: Decimal
    limit: Decimal
    currency: str


def limit_passed(gift: Gift) -> LimitPassed | None:
    """Whether gifts given to this gift's recipient in its year pass the workspace's
    limit (gifts in the limit's currency; others are not converted)."""
    workspace = db.session.get(Workspace, gift.workspace_id)
    if (gift.direction is not GiftDirection.GIVEN or workspace.gift_limit is None
            or gift.currency != workspace.gift_limit_currency):
        return None
    recipient = (Gift.contact_id == gift.contact_id if gift.contact_id is not None
                 else (Gift.company_id == gift.company_id) & Gift.contact_id.is_(None))
    given = db.session.scalar(select(func.coalesce(func.sum(Gift.value), 0)).where(
        recipient, Gift.direction == GiftDirection.GIVEN,
        Gift.currency == workspace.gift_limit_currency,
        extract("year", Gift.given_on) == gift.given_on.year))
    given = Decimal(given)
    if given <= workspace.gift_limit:
        return None
    return LimitPassed(given, workspace.gift_limit, workspace.gift_limit_currency)


def gifts_of_year(workspace_id: int, year: int) -> list[Gift]:
    """The year's gifts, per company (then gifts to people of no company), by date."""
    return list(db.session.scalars(
        select(Gift).outerjoin(Company, Company.id == Gift.company_id)
        .where(Gift.workspace_id == workspace_id, extract("year", Gift.given_on) == year)
        .options(joinedload(Gift.contact), joinedload(Gift.company), joinedload(Gift.member))
        .order_by(Company.name.is_(None), Company.name, Gift.given_on, Gift.id)))

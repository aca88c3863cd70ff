"""What goes wrong with an invitation or a guest's answer, said to the guest or organiser."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventplanner.errors import DomainError, InvalidState, NotFound


class LinkNotValid(NotFound):
    default_message = _l("This link is no longer valid. Ask the host for a new one.")


class UnknownPart(DomainError):
    status_code = 400
    default_message = _l("That part is not in this event.")


class TooManyPlusOnes(DomainError):
    status_code = 422


class EventCancelled(InvalidState):
    default_message = _l("This event has been cancelled.")


class NotOpenYet(InvalidState):
    default_message = _l("This event is not open for answers yet. You will hear from the "
                         "host when it is.")


class UnknownLanguage(DomainError):
    status_code = 422
    default_message = _l("Choose one of the languages in the list.")

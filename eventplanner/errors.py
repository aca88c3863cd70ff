"""The kinds of domain error that services raise, with a translated message.

What a kind means for a web page (its HTTP status, the page shown) is the web layer's:
``error_pages``. Views that want to stay on a form catch the error instead and show its
message there.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user as is."""

    default_message = _l("That cannot be done.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotFound(DomainError):
    """The object does not exist, or the current user may not know that it does."""

    default_message = _l("We could not find that page.")


class Forbidden(DomainError):
    """The user may see the object but not do this to it."""

    default_message = _l("You may not do that.")


class InvalidState(DomainError):
    """The object is not in a state that allows this action."""

    default_message = _l("This cannot be done right now.")


class InvalidInput(DomainError):
    """What the user entered cannot be used (a time that is not a time, a file that cannot
    be read): they can correct it and send it again."""


class Full(DomainError):
    default_message = _l("There is no room left.")


class DeadlinePassed(DomainError):
    default_message = _l("The deadline has passed.")

"""Domain errors raised by services, and the handlers that show them to people.

Services raise these with a translated message; the handlers below turn them into a styled
page with a fitting HTTP status. Views that want to stay on a form catch the error instead
and show its message there.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user as is."""

    status_code = 400
    default_message = _l("That cannot be done.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotFound(DomainError):
    """The object does not exist, or the current user may not know that it does."""

    status_code = 404
    default_message = _l("We could not find that page.")


class Forbidden(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403
    default_message = _l("You may not do that.")


class InvalidState(DomainError):
    """The object is not in a state that allows this action."""

    status_code = 409
    default_message = _l("This cannot be done right now.")


class Full(DomainError):
    status_code = 409
    default_message = _l("There is no room left.")


class DeadlinePassed(DomainError):
    status_code = 409
    default_message = _l("The deadline has passed.")


ERROR_TITLES = {
    400: _l("Something in that request was wrong"),
    403: _l("You may not do that"),
    404: _l("Page not found"),
    405: _l("That is not allowed here"),
    409: _l("That cannot be done right now"),
    413: _l("That upload is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}


def render_error_page(status: int, message: str | None = None):
    title = ERROR_TITLES.get(status, ERROR_TITLES[500] if status >= 500 else ERROR_TITLES[400])
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def show_domain_error(error: DomainError):
        return render_error_page(error.status_code, str(error.message))

    @app.errorhandler(CSRFError)
    def show_csrf_error(error: CSRFError):
        return render_error_page(
            400,
            str(_l("The form had expired or was sent from elsewhere. Go back, reload the page "
                   "and try again.")),
        )

    @app.errorhandler(HTTPException)
    def show_http_error(error: HTTPException):
        page, status = render_error_page(error.code or 500)
        retry = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        return page, status, retry

    @app.errorhandler(500)
    def show_server_error(error):
        return render_error_page(500)

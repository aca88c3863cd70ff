"""Error pages: the HTTP status of each kind of domain error, and the handlers that show
errors to people as a styled page in their language."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from eventplanner.access import InAnotherWorkspace
from eventplanner.api.problems import (
    is_api_request,
    problem,
    problem_for_domain_error,
    problem_for_http_error,
    problem_for_server_error,
)
from eventplanner.errors import (
    DeadlinePassed,
    DomainError,
    Forbidden,
    Full,
    InvalidInput,
    InvalidState,
    NotFound,
)
from eventplanner.extensions import db

#: The first kind the error is decides its status; any other refusal is a 400.
STATUS_BY_KIND = (
    (NotFound, 404),
    (Forbidden, 403),
    (InvalidInput, 422),
    (InvalidState, 409),
    (Full, 409),
    (DeadlinePassed, 409),
)


def status_for(error: DomainError) -> int:
    """The HTTP status a page answers with when a service refused with ``error``."""
    return next((status for kind, status in STATUS_BY_KIND if isinstance(error, kind)), 400)


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
    """Pages for people; problem documents (RFC 9457) for the API's paths."""

    @app.errorhandler(DomainError)
    def show_domain_error(error: DomainError):
        if is_api_request():
            return problem_for_domain_error(error, status_for(error))
        return render_error_page(status_for(error), str(error.message))

    @app.errorhandler(InAnotherWorkspace)
    def offer_to_switch_workspace(error: InAnotherWorkspace):
        if is_api_request():  # a token's workspace is its own: nothing of another's
            return problem_for_domain_error(NotFound(), 404)
        title = ERROR_TITLES[404]
        return render_template(
            "errors/error.html", status=404, title=title, message=str(error.message),
            switch_to=error.workspace_id, workspace_name=error.workspace_name,
            next_path=request.path), 404

    @app.errorhandler(CSRFError)
    def show_csrf_error(error: CSRFError):
        return render_error_page(
            400,
            str(_l("The form had expired or was sent from elsewhere. Go back, reload the page "
                   "and try again.")),
        )

    @app.errorhandler(HTTPException)
    def show_http_error(error: HTTPException):
        if is_api_request():
            return problem_for_http_error(error)
        page, status = render_error_page(error.code or 500)
        retry = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        return page, status, retry

    @app.errorhandler(IntegrityError)
    def refuse_a_clash(error: IntegrityError):
        if is_api_request():  # the same email or CRM id saved meanwhile by another call
            db.session.rollback()
            return problem(409, _l("That conflicts with a change made at the same time: "
                                   "read again and retry."))
        raise error

    @app.errorhandler(RecursionError)
    def refuse_nesting_too_deep(error: RecursionError):
        if is_api_request():  # JSON nested thousands deep: json.loads gives up
            return problem(400, _l("The JSON is nested too deeply."))
        raise error

    @app.errorhandler(500)
    def show_server_error(error):
        if is_api_request():
            return problem_for_server_error()
        return render_error_page(500)

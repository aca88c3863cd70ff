"""Errors of the API as ``application/problem+json`` (RFC 9457).

Every error under ``/api/`` is a problem document: ``type`` (a URI naming the kind of
problem, here a fragment of the API reference), ``title`` (the kind, in the caller's
language), ``status``, ``detail`` (this occurrence), and, for input that was refused,
``errors``: a message per field (per row for bulk calls), nested as the input is.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, json, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from eventplanner.errors import DomainError, InvalidInput

PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"

#: The title of each status, as people read it.
TITLES: Mapping[int, object] = {
    400: _l("The request could not be read"),
    401: _l("An API token is needed"),
    403: _l("The token may not do that"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict with the current state"),
    412: _l("The resource has changed"),
    413: _l("The request is too large"),
    415: _l("Send JSON"),
    422: _l("The input was refused"),
    428: _l("A precondition is needed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("Unavailable"),
}


class RefusedInput(InvalidInput):
    """Input refused with a message per field: ``errors`` is ``{"field": ["message"]}``,
    or for a bulk call ``{"3": {"email": ["message"]}}`` (by row, from 0). A 422."""

    def __init__(self, errors: Mapping, message=None) -> None:
        super().__init__(message or _l("Some fields were refused: see errors."))
        self.errors = errors


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_type(status: int) -> str:
    """A URI for the kind of problem: the reference page's section on errors."""
    return f"{current_app.config['BASE_URL']}{url_for('api_reference.reference')}" \
        f"#problem-{status}"


def problem(status: int, detail=None, *, errors: object = None, title=None,
            headers: Mapping[str, str] | None = None):
    """A problem response."""
    document: dict[str, object] = {
        "type": problem_type(status),
        "title": str(title or TITLES.get(status) or TITLES[500 if status >= 500 else 400]),
        "status": status,
    }
    if detail:
        document["detail"] = str(detail)
    if errors:
        document["errors"] = errors
    response = current_app.response_class(json.dumps(document), status=status,
                                          mimetype=PROBLEM_MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


def problem_for_http_error(error: HTTPException):
    """A werkzeug error (404, 405, 413, 429...) or a flask-smorest refusal of the input
    (422 with the messages per field, from webargs) as a problem."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    errors = None
    if messages:
        # webargs keys the messages by location ("json", "query"): one location is the
        # usual case, and then its fields are the errors.
        errors = next(iter(messages.values())) if len(messages) == 1 else messages
    detail = None if status >= 500 else _detail_of(error)
    headers = {name: value for name, value in error.get_headers()
               if name in ("Retry-After", "Allow", "WWW-Authenticate")}
    return problem(status, detail, errors=errors, headers=headers)


def _detail_of(error: HTTPException):
    detail = getattr(error, "api_detail", None)
    if detail is not None:
        return detail
    if error.code == 422:
        return _l("Some fields were refused: see errors.")
    if error.code == 429:
        return _l("This token made too many calls: wait as Retry-After says.")
    return None


def problem_for_domain_error(error: DomainError, status: int):
    """A service's refusal (its message in the caller's language) as a problem."""
    errors = getattr(error, "errors", None)
    if errors is not None:
        errors = {str(key): value for key, value in errors.items()}
    return problem(status, error.message, errors=_plain(errors))


def _plain(errors):
    """Messages (lazy strings) as plain strings, nested as they are."""
    if isinstance(errors, Mapping):
        return {str(key): _plain(value) for key, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [_plain(value) for value in errors]
    return errors if errors is None or isinstance(errors, (int, float)) else str(errors)


def problem_for_server_error():
    return problem(500, _l("The error was logged; try again later."))


def is_json_body() -> bool:
    return request.mimetype == "application/json" or request.mimetype.endswith("+json")


def dumps(document) -> str:
    return json.dumps(document)

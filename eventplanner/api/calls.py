"""Who is calling and what they may do: every API call carries a token
(``Authorization: Bearer ep_...``), each operation declares the scope it needs
(``@needs_scope("contacts:read")``), and every call is counted (rate limits per token) and
written in the workspace's audit trail, whatever its outcome.

An operation that declares no scope is refused: a new one cannot be forgotten open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

from eventplanner.access import token_may
from eventplanner.api.conditional import tag_response
from eventplanner.api.idempotency import remember_answer, replay_or_start
from eventplanner.api.problems import problem, problem_for_http_error
from eventplanner.audit.services import record
from eventplanner.auth.models import ApiToken, Organiser
from eventplanner.extensions import csrf, db, utcnow
from eventplanner.security import client_address, rate_limits
from eventplanner.team.api_tokens import TokenRefused, authenticate

View = TypeVar("View", bound=Callable)

#: How the OpenAPI document names the token scheme.
SECURITY_SCHEME = "bearerAuth"
AUTHENTICATE = 'Bearer realm="eventplanner API"'
#: The API's blueprints are named ``api_<resource>`` (beside the pages' ``contacts``...).
BLUEPRINT_PREFIX = "api_"


class StrictQueryParser(FlaskParser):
    """A query parameter the operation does not know is refused (422), as an unknown
    field of a body is: ``?updated_snce=...`` must not pass for a sync from the start."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}


class StrictBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = StrictQueryParser()


def needs_scope(scope: str) -> Callable[[View], View]:
    """Declare the scope an operation needs (read before the view runs, and written into
    the OpenAPI document as the operation's security requirement)."""

    def declare(view: View) -> View:
        documented = ApiBlueprint.doc(security=[{SECURITY_SCHEME: [scope]}])(view)
        documented.required_scope = scope  # type: ignore[attr-defined]
        return documented

    return declare


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str
                  ) -> ApiBlueprint:
    """A blueprint of the API: its calls need a token and the scope each declares, and
    are audited; no CSRF (no cookies are read)."""
    blueprint = StrictBlueprint(BLUEPRINT_PREFIX + name, import_name, url_prefix=url_prefix,
                             description=description)
    blueprint.before_request(_check_token_and_scope)
    blueprint.after_request(_finish_call)
    csrf.exempt(blueprint)
    return blueprint


def caller() -> Organiser:
    """The member a call acts as (the token's maker, in the token's workspace)."""
    return g.api_member


def calling_token() -> ApiToken:
    return g.api_token


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _check_token_and_scope():
    view = current_app.view_functions.get(request.endpoint or "")
    scope = getattr(view, "required_scope", None)
    if scope is None:
        raise LookupError(f"{request.endpoint} declares no scope (api.calls.needs_scope)")
    secret = _bearer_token()
    rate_limits.check("RATELIMIT_BAD_TOKENS", "api", client_address())
    try:
        token, member = authenticate(secret, utcnow())
    except TokenRefused as refused:
        rate_limits.count("RATELIMIT_BAD_TOKENS", "api", client_address())
        db.session.rollback()
        raise NotAuthenticated(refused.reason) from None
    g.api_token, g.api_member = token, member
    g.api_token_used_at = token.last_used_at  # kept for a call that fails and rolls back
    rate_limits.use("RATELIMIT_API", str(token.id))
    if not token_may(member, token.scope_set, scope):
        raise MissingScope(scope)
    return replay_or_start()


class NotAuthenticated(Unauthorized):
    def __init__(self, reason) -> None:
        super().__init__(www_authenticate=None)
        self.api_detail = reason

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", AUTHENTICATE)]


class MissingScope(Forbidden):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.api_detail = _l("This token may not use %(scope)s.", scope=scope)


def _finish_call(response):
    """The one commit of a call: a change, its ``Idempotency-Key`` answer and its line in
    the audit trail are committed together when the call succeeded; a refused call is
    rolled back and then noted in the trail on its own. A read gets its ETag (304 when
    the caller has it) before it is noted."""
    token: ApiToken | None = g.get("api_token")
    if token is None:
        return response
    tag_response(response)
    if response.status_code < 400:
        try:
            remember_answer(response)
            _audit(token, response.status_code)
            db.session.commit()
            return response
        except HTTPException as error:
            response = problem_for_http_error(error)
        except IntegrityError:
            response = problem(409, _l("That conflicts with a change made at the same "
                                       "time: read again and retry."))
    db.session.rollback()
    token.last_used_at = g.api_token_used_at
    _audit(token, response.status_code)
    db.session.commit()
    return response


def _audit(token: ApiToken, status: int) -> None:
    record(token.workspace_id, g.api_member, "api.called",
           details={"token": token.name, "token_id": token.id, "method": request.method,
                    "path": request.path[:300], "status": status})

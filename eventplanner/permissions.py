"""What each organiser page needs, declared on the route and decided by the one policy.

Every view of a blueprint made ``organisers_only`` declares the action it needs with
``@requires(Action.X)``; before the view runs, ``access.authorize`` decides it from the URL's
arguments (403 or 404, as the policy says). A view that declares nothing is refused: a new
route cannot be forgotten open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from eventplanner.access import Action, authorize, may, may_on_event
from eventplanner.events.models import Event
from eventplanner.team.services import must_set_up_two_factor, workspace_name

#: The session key of the workspace the browser works in (its id).
WORKSPACE_KEY = "workspace"

View = TypeVar("View", bound=Callable)


def requires(action: Action, to_change: Action | None = None) -> Callable[[View], View]:
    """Declare what a view needs: ``action`` to read it (GET), and ``to_change`` (default
    ``action``) for a form sent to it. Read by ``organisers_only`` and by the test that
    walks every route for every role."""

    def declare(view: View) -> View:
        view.required_actions = (action, to_change or action)  # type: ignore[attr-defined]
        return view

    return declare


def even_without_two_factor(view: View) -> View:
    """Mark a view that a member may use before turning on the two-factor sign-in their
    workspace requires (leaving it, switching to another)."""
    view.even_without_two_factor = True  # type: ignore[attr-defined]
    return view


def required_action(endpoint: str, method: str) -> Action | None:
    """The action a request to ``endpoint`` with ``method`` needs, or None if its view
    declared nothing."""
    actions = getattr(current_app.view_functions.get(endpoint), "required_actions", None)
    if actions is None:
        return None
    return actions[0] if method in ("GET", "HEAD") else actions[1]


def organisers_only(blueprint: Blueprint) -> Blueprint:
    """Every page of ``blueprint`` needs a logged-in organiser (others go to the login)
    whom the policy allows the action the page declares, working in a workspace
    (``check_workspace``)."""

    @blueprint.before_request
    @login_required
    def require_permission():
        action = required_action(request.endpoint or "", request.method)
        if action is None:
            raise LookupError(f"{request.endpoint} declares no action (permissions.requires)")
        elsewhere = check_workspace()
        if elsewhere is not None:
            return elsewhere
        authorize(current_user, action, request.view_args or {})
        return None

    return blueprint


def check_workspace():
    """Before an organiser page: the workspace the browser works in (the session's note),
    kept up to date. A member removed from it works in another of theirs from now, told so;
    an account in no workspace goes to start one (an outside person's event pages stay
    open); a member whose workspace requires two-factor sign-in turns it on first."""
    membership = current_user.membership
    now_in = membership.workspace_id if membership is not None else None
    noted = session.get(WORKSPACE_KEY)
    if noted != now_in:
        name = workspace_name(noted) if noted is not None else None
        if name is not None:
            flash(_("You are no longer a member of %(workspace)s.", workspace=name), "info")
        if now_in is None:
            session.pop(WORKSPACE_KEY, None)
        else:
            session[WORKSPACE_KEY] = now_in
    view = current_app.view_functions.get(request.endpoint or "")
    if now_in is None and "event_id" not in (request.view_args or {}):
        return redirect(url_for("workspaces.start_workspace"))
    if must_set_up_two_factor(current_user) \
            and not getattr(view, "even_without_two_factor", False):
        flash(_("%(workspace)s requires two-factor sign-in: set it up to go on.",
                workspace=membership.workspace.name), "info")
        return redirect(url_for("auth.set_up_two_factor"))
    return None


def remember_workspace_at_login(app: Flask) -> None:
    """A new login notes the workspace it works in (the account's first) in the session,
    as switching does, so that every request loads it with the account."""

    def note_workspace(sender, user, **extra) -> None:
        if user.workspace_id is not None:
            session[WORKSPACE_KEY] = user.workspace_id

    user_logged_in.connect(note_workspace, app, weak=False)


def add_template_helpers(app: Flask) -> None:
    """``may('organise')`` and ``may_on_event('share', event)`` in templates, so a page
    offers only what the policy allows its reader (a viewer sees no edit buttons)."""

    def may_in_workspace(action: str) -> bool:
        return current_user.is_authenticated and may(current_user, Action(action))

    def may_on(action: str, event: Event) -> bool:
        return current_user.is_authenticated and may_on_event(current_user, Action(action),
                                                              event)

    app.jinja_env.globals.update(may=may_in_workspace, may_on_event=may_on)

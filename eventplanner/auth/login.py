"""Pages for logged-in organisers only."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required


def organisers_only(blueprint: Blueprint) -> Blueprint:
    """Every page of ``blueprint`` needs a logged-in organiser (others go to the login)."""

    @blueprint.before_request
    @login_required
    def require_login() -> None:
        return None

    return blueprint

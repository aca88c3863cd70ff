"""A request's one transaction around one service call: commit, or roll back on a refusal.

Services add and flush; the page that called one commits here, or, when a business rule
said no (a ``DomainError``), rolls everything back and shows the refusal: as a flash, or as
a message on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from eventplanner.errors import DomainError
from eventplanner.extensions import db

T = TypeVar("T")


def commit_or_refuse(change: Callable[[], T], on_refusal: Callable[[DomainError], object],
                     refusals: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
                     ) -> T | None:
    """Run ``change`` and commit, returning its result; if it raises one of ``refusals``,
    roll back, hand the error to ``on_refusal`` and return None."""
    try:
        result = change()
    except refusals as error:
        db.session.rollback()
        on_refusal(error)
        return None
    db.session.commit()
    return result


def commit_or_flash(change: Callable[[], T]) -> T | None:
    """For a button that calls one service: a refusal is flashed in the user's language."""
    return commit_or_refuse(change, lambda error: flash(str(error.message), "error"))


def commit_or_form_error(form, change: Callable[[], T]) -> T | None:
    """For a form that calls one service: a refusal becomes a message on the form."""
    return commit_or_refuse(change, lambda error: form.form_errors.append(str(error.message)))

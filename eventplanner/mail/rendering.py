"""Emails rendered from their templates in the recipient's language, from the real objects.

Email templates render strictly (``StrictUndefined``): a name a template uses that the
caller did not give fails loudly, instead of rendering blank in somebody's inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from eventplanner.formatting import format_day_and_time
from eventplanner.template_translations import bound_translations

_ENVIRONMENT = "eventplanner.mail.environment"
_RENDERER = "eventplanner.mail.renderer"


@dataclass(frozen=True)
class RenderedEmail:
    """What an email says: its text and HTML bodies and its attachments
    (filename, content type, content); and where reports of its delivery go (its SMTP
    envelope sender, MAIL FROM) when not to the From address."""

    text: str
    html: str
    attachments: tuple[tuple[str, str, str], ...] = ()
    envelope_from: str = ""


@dataclass(frozen=True)
class NotSent:
    """A queued email that must not go out any more (its invitation was revoked, erased or
    deleted before it was written)."""

    reason: str


@dataclass(frozen=True)
class NotWritten:
    """A queued email whose template failed (a name it uses was not given): it fails
    loudly, and can be sent again once the template is fixed."""

    error: str


#: Writes queued messages just before they are sent: message id -> what it says, or why
#: it is not sent. Registered by the app (``set_message_renderer``) so that the worker, in
#: ``mail``, needs no import of the features above it that know how to write them.
MessageRenderer = Callable[[list], dict[int, RenderedEmail | NotSent | NotWritten]]


def set_message_renderer(app, renderer: MessageRenderer) -> None:
    app.extensions[_RENDERER] = renderer


def message_renderer() -> MessageRenderer:
    return current_app.extensions[_RENDERER]


def _email_environment() -> Environment:
    """The app's template environment (loader, filters, globals, i18n), with strict
    undefined names: built once per app."""
    app = current_app._get_current_object()
    environment = app.extensions.get(_ENVIRONMENT)
    if environment is None:
        environment = app.extensions[_ENVIRONMENT] = app.jinja_env.overlay(
            undefined=StrictUndefined)
    return environment


def render_part(template: str, **context) -> str:
    """One template under ``templates/emails/``, strictly, in the current locale, with what
    the caller gives and nothing from a request (the worker has none). Its ``gettext`` is
    bound to the locale's translations once (``template_translations``), as pages' are."""
    return _email_environment().get_template(f"emails/{template}").render(
        {**bound_translations(), **context})


def render_email(template: str, language: str, **context) -> RenderedEmail:
    """``templates/emails/<template>.txt`` and ``.html`` in ``language``."""
    with force_locale(language):
        context.setdefault("language", language)
        return RenderedEmail(text=render_part(f"{template}.txt", **context),
                             html=render_part(f"{template}.html", **context))


class EventFragments:
    """The parts of an event's emails that are the same for every guest in one language
    (the programme, the deadline), rendered from the event once per language and reused
    for every guest of a batch."""

    def __init__(self, event) -> None:
        self.event = event
        self._by_language: dict[str, dict] = {}

    def for_language(self, language: str) -> dict:
        if language not in self._by_language:
            event = self.event
            with force_locale(language):
                self._by_language[language] = {
                    "parts_text": render_part("_parts.txt", event=event),
                    # The template has escaped every value already.
                    "parts_html": Markup(  # nosec B704
                        render_part("_parts.html", event=event)),
                    "deadline": format_day_and_time(event.rsvp_deadline, event.timezone),
                }
        return self._by_language[language]

"""The templates' ``gettext`` and ``ngettext``, bound to the translations once per render.

Flask-Babel's template callables look the request's translations up again for every
string (a dozen context lookups each): on the guest page, with about 25 strings, a fifth
of the render. The context processor resolves them once per rendered template and gives
the template callables bound to them, with Jinja's "new style" semantics: the text is
marked safe under autoescape and always %-formatted with the keyword variables (escaped),
``num`` included for plurals. Macros imported without context keep Flask-Babel's
callables: the same texts by the slower path.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup


def _formatted(context, text: str, variables: dict) -> str:
    if context.eval_ctx.autoescape:
        # The text is our catalog's, not user input; the variables are escaped by "%".
        text = Markup(text)  # nosec B704
    return text % variables


def bound_translations() -> dict:
    """``gettext`` (and its alias ``_``) and ``ngettext`` for one render."""
    translations = get_translations()

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        return _formatted(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return _formatted(context, translations.ungettext(singular, plural, num), variables)

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def bind_template_translations(app: Flask) -> None:
    app.context_processor(bound_translations)

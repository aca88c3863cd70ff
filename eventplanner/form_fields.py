"""Form fields and forms shared by several areas."""

from __future__ import annotations

from babel.support import Translations
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, FormField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length, Optional


class FormTranslations:
    """WTForms' messages in the page's language: our catalog first (it has Danish, which
    WTForms lacks), then WTForms' own, each loaded once per language, not per request."""

    def __init__(self) -> None:
        self._wtforms: dict[str, Translations] = {}

    def _fallback(self) -> Translations:
        language = str(get_locale() or "en")
        if language not in self._wtforms:
            self._wtforms[language] = Translations.load(messages_path(), [language],
                                                        domain="wtforms")
        return self._wtforms[language]

    def gettext(self, string: str) -> str:
        ours = get_translations().ugettext(string)  # WTForms fills in the values itself
        return ours if ours != string else self._fallback().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return self._fallback().ungettext(singular, plural, n)


FORM_TRANSLATIONS = FormTranslations()


def _without_nul(value):
    """Text as sent, without NUL characters: no browser types one, and PostgreSQL cannot
    store one in a text column (an error rather than a message)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of ours: Flask-WTF's CSRF, messages in the page's language, and no NUL
    characters in what is entered."""

    class Meta:
        def get_translations(self, form):
            return FORM_TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, (FieldList, FormField)):
                filters = unbound_field.kwargs.get("filters") or ()
                if _without_nul not in filters:  # the unbound field is the class's own
                    unbound_field.kwargs["filters"] = (*filters, _without_nul)
            return unbound_field.bind(form=form, **options)


def email_address_field(label, required: bool = True, **kwargs) -> EmailField:
    """An email address, checked for form (not for a mail server, which we cannot ask)."""
    return EmailField(
        label,
        validators=[
            DataRequired() if required else Optional(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        **kwargs,
    )


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change something."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from eventplanner.auth.passwords import MIN_LENGTH, password_weakness
from eventplanner.form_fields import Form, email_address_field


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegistrationForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = email_address_field(_l("Email"))
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("At least %(min)d characters. A few words together that only you "
                       "would think of make a strong one.", min=MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field) -> None:
        weakness = password_weakness(field.data or "", email=self.email.data or "",
                                     name=self.name.data or "")
        if weakness:
            raise ValidationError(weakness)


class ProfileForm(Form):
    """The organiser's name and the language of their pages and exports."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), description=_l(
        "For your pages and your CSV downloads. Guests get their own language."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name
                                 in current_app.config["LANGUAGES"].items()]


class ConfirmForm(Form):
    """The button that confirms an account's address (its link carries the token)."""

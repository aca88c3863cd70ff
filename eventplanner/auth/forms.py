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


def _new_password(label) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(max=1000)], description=_l(
        "At least %(min)d characters. A few words together that only you would think of make "
        "a strong one.", min=MIN_LENGTH))


def _repeated_password() -> PasswordField:
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class ChoosesPassword(Form):
    """A form where a password is chosen: refused when weak for the account's own words
    (``account_words``: its email address and name)."""

    def account_words(self) -> tuple[str, str]:
        return "", ""

    def validate_password(self, field) -> None:
        email, name = self.account_words()
        weakness = password_weakness(field.data or "", email=email, name=name)
        if weakness:
            raise ValidationError(weakness)


class RegistrationForm(ChoosesPassword):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = email_address_field(_l("Email"))
    password = _new_password(_l("Password"))
    confirm = _repeated_password()

    def account_words(self) -> tuple[str, str]:
        return self.email.data or "", self.name.data or ""


class NewPasswordForm(ChoosesPassword):
    """A new password for ``organiser``'s account."""

    password = _new_password(_l("New password"))
    confirm = _repeated_password()

    def __init__(self, *args, organiser=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organiser = organiser

    def account_words(self) -> tuple[str, str]:
        return self.organiser.email, self.organiser.name


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(), Length(max=1000)])


class PasswordResetRequestForm(Form):
    email = email_address_field(_l("Email"))


class ProfileForm(Form):
    """The organiser's name, the phone their guests may call, and the language of their
    pages and exports."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], description=_l(
        "Shown to the guests you host, on their page and in your briefing."))
    language = SelectField(_l("Language"), description=_l(
        "For your pages and your CSV downloads. Guests get their own language."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name
                                 in current_app.config["LANGUAGES"].items()]


class ConfirmForm(Form):
    """The button that confirms an account's address (its link carries the token)."""


class SecondFactorForm(Form):
    """The code of the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits your authenticator app shows, or one of "
                                      "your recovery codes."))


class TurnOnTwoFactorForm(Form):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=20)])


class PasswordCheckForm(Form):
    """The account's password again, before a change to how it signs in."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1000)])

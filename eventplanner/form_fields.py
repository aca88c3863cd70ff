"""Form fields and forms shared by several areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length, Optional


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


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change something."""

"""The team's forms: invitations, roles, the workspace's settings, and joining."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from eventplanner.auth.forms import ChoosesPassword, _new_password, _repeated_password
from eventplanner.auth.models import Role
from eventplanner.form_fields import Form, email_address_field
from eventplanner.team.api_tokens import SCOPE_LABELS
from eventplanner.team.services import INVITED_ROLES, ROLE_LABELS


def _role_choices(roles) -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in roles]


class InviteForm(Form):
    email = email_address_field(_l("Email"))
    role = SelectField(_l("Role"), choices=_role_choices(INVITED_ROLES),
                       default=Role.ORGANISER.value)


class RoleForm(Form):
    """A member's new role; ``owner`` only among the choices of an owner."""

    role = SelectField(_l("Role"))

    def __init__(self, *args, may_make_owners: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        roles = (Role.OWNER, *INVITED_ROLES) if may_make_owners else INVITED_ROLES
        self.role.choices = _role_choices(roles)


class WorkspaceNameForm(Form):
    name = StringField(_l("Name of the workspace"),
                       validators=[DataRequired(), Length(max=120)])


class TwoFactorRequirementForm(Form):
    required = BooleanField(_l("Members must use two-factor sign-in"))


class JoinWithNewAccountForm(ChoosesPassword):
    """An account for the invited address, made by accepting the invitation."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = _new_password(_l("Password"))
    confirm = _repeated_password()

    def __init__(self, *args, invited_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = invited_email

    def account_words(self) -> tuple[str, str]:
        return self.invited_email, self.name.data or ""


class ApiTokenForm(Form):
    """A new API token: what it is for, what it may do, until when."""

    name = StringField(_l("What it is for"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example: HubSpot sync"))
    scopes = SelectMultipleField(
        _l("What it may do"), choices=[SelectChoice(scope, label)
                                       for scope, label in SCOPE_LABELS.items()],
        validators=[DataRequired(_l("Choose at least one thing the token may do."))])
    expires_on = DateField(_l("Expires on (optional)"), validators=[Optional()],
                           description=_l("Empty: until revoked. At most three years."))

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, Optional

from eventplanner.form_fields import Form
from eventplanner.invitations.inviting import MAX_PLUS_ONES


class InviteForm(Form):
    """Pick contacts one by one, a whole company, or everyone with a tag (or all three)."""

    contact_ids = SelectMultipleField(_l("Contacts"), coerce=int, validate_choice=False)
    company_id = SelectField(_l("Everyone at a company"), coerce=int, validate_choice=False,
                             validators=[Optional()])
    tag = SelectField(_l("Everyone with a tag"), validate_choice=False)
    plus_ones_allowed = IntegerField(
        _l("Plus-ones allowed"), default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_PLUS_ONES)])
    send_now = BooleanField(_l("Send the invitation email now"), default=True)


class GuestSelectionForm(Form):
    """The ticked guests in the list, for reminders."""

    invitation_ids = SelectMultipleField(coerce=int, validate_choice=False)

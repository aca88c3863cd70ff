"""The gift form (on a contact's and a company's page) and the yearly limit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from eventplanner.feedback.forms import today
from eventplanner.form_fields import Form
from eventplanner.gifts.models import GiftDirection
from eventplanner.gifts.services import MAX_VALUE

DIRECTION_LABELS = {GiftDirection.GIVEN: _l("Given by us"),
                    GiftDirection.RECEIVED: _l("Received by us")}


class AmountField(DecimalField):
    """A decimal amount typed the reader's way: "450,50" (nb, da, de) or "450.50", spaces
    between thousands allowed."""

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            valuelist = [valuelist[0].replace(" ", "").replace("\u00a0", "").replace(",", ".")]
        super().process_formdata(valuelist)


def finite_amount(form, field) -> None:
    """An amount a person typed ("NaN" and "Infinity" read as decimals too): stop before the
    range check, which cannot compare them."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount, such as 450 or 450.50."))


def _currency(field_label):
    return StringField(field_label, filters=[lambda v: (v or "").strip().upper()],
                       validators=[Optional(), Length(min=3, max=3, message=_l(
                           "A currency is its three-letter ISO 4217 code, such as NOK."))])


class GiftForm(Form):
    direction = SelectField(_l("Direction"), choices=[
        SelectChoice(d.value, label) for d, label in DIRECTION_LABELS.items()])
    given_on = DateField(_l("Date"), default=today,
                         validators=[InputRequired(_l("Enter the gift's date."))])
    description = StringField(_l("What"), validators=[
        DataRequired(_l("Say what the gift was.")), Length(max=200)])
    value = AmountField(_l("Estimated value"), places=2, validators=[
        Optional(), finite_amount, NumberRange(min=0, max=MAX_VALUE,
                                message=_l("A gift's value cannot be negative."))])
    currency = _currency(_l("Currency"))
    occasion = StringField(_l("Occasion"), validators=[Length(max=200)])
    member_id = SelectField(_l("Who on our side"), coerce=int, default=0)

    @classmethod
    def for_members(cls, members, **kwargs) -> GiftForm:
        form = cls(**kwargs)
        form.member_id.choices = [SelectChoice(0, _l("Nobody in particular"))] + [
            SelectChoice(member.id, member.name) for member in members]
        return form


class GiftLimitForm(Form):
    limit = AmountField(_l("Yearly limit per client"), places=2, validators=[
        Optional(), finite_amount, NumberRange(min=0, max=MAX_VALUE,
                                message=_l("A limit cannot be negative."))],
        description=_l("The most the team gives one client (a person or a company) in a "
                       "calendar year. Empty: no limit."))
    currency = _currency(_l("Currency"))

"""The webhook subscription form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length

from eventplanner.form_fields import Form
from eventplanner.webhooks.event_types import EVENT_TYPES


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class SubscriptionForm(Form):
    url = URLField(_l("URL"), validators=[DataRequired(), Length(max=2000)],
                   filters=[_stripped],
                   description=_l("Where to post the events: an https:// address of the "
                                  "receiving system."))
    description = StringField(_l("Description"), validators=[Length(max=200)],
                              filters=[_stripped])
    event_types = SelectMultipleField(
        _l("Events"), validators=[DataRequired(message=_l("Choose at least one kind of "
                                                          "event."))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event_types.choices = [(name, str(kind.label))
                                    for name, kind in EVENT_TYPES.items()]

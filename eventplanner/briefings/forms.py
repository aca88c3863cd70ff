"""Forms of the hosts page: who hosts, who hosts whom, when briefings are emailed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from eventplanner.auth.models import Organiser
from eventplanner.form_fields import Form

#: The host choice that takes the organiser's choice back.
NO_CHOICE = 0


class HostsForm(Form):
    """Tick the members who host the event."""

    host_ids = SelectMultipleField(_l("Hosts"), coerce=int)

    @classmethod
    def for_members(cls, members: list[Organiser], **kwargs) -> HostsForm:
        form = cls(**kwargs)
        form.host_ids.choices = [SelectChoice(m.id, m.name) for m in members]
        return form


def _host_choices(hosts: list[Organiser], none_label) -> list[SelectChoice]:
    return [SelectChoice(NO_CHOICE, none_label)] + [SelectChoice(h.id, h.name) for h in hosts]


class GuestHostsForm(Form):
    """Name one host for the ticked guests."""

    invitation_ids = SelectMultipleField(coerce=int, validate_choice=False)
    host_id = SelectField(_l("Host"), coerce=int)

    @classmethod
    def for_hosts(cls, hosts: list[Organiser], **kwargs) -> GuestHostsForm:
        form = cls(**kwargs)
        form.host_id.choices = _host_choices(hosts, _l("Their account manager, if hosting"))
        return form

    def validate_invitation_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick the guests first."))


class CompanyHostForm(Form):
    """Name one host for everyone invited from one company."""

    company_id = SelectField(_l("Company"), coerce=int, validators=[DataRequired(
        message=_l("Choose a company."))])
    host_id = SelectField(_l("Host"), coerce=int, validators=[DataRequired(
        message=_l("Choose a host."))])

    @classmethod
    def for_choices(cls, companies: list, hosts: list[Organiser], **kwargs) -> CompanyHostForm:
        form = cls(**kwargs)
        form.company_id.choices = [SelectChoice(c.id, c.name) for c in companies]
        form.host_id.choices = [SelectChoice(h.id, h.name) for h in hosts]
        return form


class BriefingScheduleForm(Form):
    days_before = IntegerField(
        _l("Email each host their briefing"),
        validators=[Optional(), NumberRange(min=0, max=60, message=_l(
            "Enter a number of days between 0 and 60, or leave it empty."))],
        description=_l("Days before the event starts, at 09:00 in the event's time zone. "
                       "Leave empty to send none."))

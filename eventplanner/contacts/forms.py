from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from eventplanner.auth.models import Organiser
from eventplanner.contacts.services import ContactDetails, parse_tags
from eventplanner.form_fields import Form, email_address_field
from eventplanner.urls import row_id


def member_id(value: object) -> int | None:
    """A select's value as an account's id; empty (or not an id any row can have): nobody."""
    if isinstance(value, int):
        value = str(value)
    return row_id(value) if isinstance(value, str) else None


def account_manager_field() -> SelectField:
    """ "Our person": a member of the workspace, or nobody. The service checks that the
    account chosen is a member (``validate_choice=False``), with a message that says so."""
    return SelectField(_l("Account manager (our person)"), coerce=member_id,
                       validate_choice=False,
                       description=_l("The team member who looks after this client."))


def member_choices(members: list[Organiser]) -> list[SelectChoice]:
    return [SelectChoice("", _l("Nobody"))] + [
        SelectChoice(str(member.id), member.name) for member in members]


class AccountManagerForm(Form):
    """A company's (or a contact's) account manager, from the members of the workspace."""

    account_manager = account_manager_field()

    def __init__(self, members: list[Organiser], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_manager.choices = member_choices(members)


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = email_address_field(_l("Email"))
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    job_title = StringField(_l("Job title"), validators=[Length(max=120)])
    company_name = StringField(_l("Company"), validators=[Length(max=200)],
                               description=_l("A new name adds the company."))
    language = SelectField(_l("Language"))
    dietary_notes = StringField(_l("Dietary notes"), validators=[Length(max=500)])
    tags = StringField(_l("Tags"), validators=[Length(max=500)],
                       description=_l("Separated by commas, e.g. vip, runner"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    account_manager = account_manager_field()

    def __init__(self, members: list[Organiser], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_manager.choices = member_choices(members)
        self.language.choices = [SelectChoice("", _l("The event's language"))] + [
            SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()]

    def details(self) -> ContactDetails:
        return ContactDetails(
            name=self.name.data, email=self.email.data, phone=self.phone.data or "",
            job_title=self.job_title.data or "", company_name=self.company_name.data or "",
            language=self.language.data or "",
            dietary_notes=self.dietary_notes.data or "", tags=parse_tags(self.tags.data or ""),
            notes=self.notes.data or "", account_manager_id=self.account_manager.data,
        )


class ImportUploadForm(Form):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
    ])

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from eventplanner.form_fields import Form
from eventplanner.invitations.inviting import MAX_PLUS_ONES
from eventplanner.invitations.models import AnswerStatus


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
    """The ticked guests in the list, for reminders: ``who`` is the button pressed, to
    remind everyone who has not answered or only the ticked guests."""

    invitation_ids = SelectMultipleField(coerce=int, validate_choice=False)
    who = SelectField(choices=[
        SelectChoice("unanswered", _l("Remind everyone who has not answered")),
        SelectChoice("ticked", _l("Remind the ticked guests"))])

    def validate_invitation_ids(self, field) -> None:
        if self.who.data == "ticked" and not field.data:
            raise ValidationError(_l("Tick the guests to remind first."))

    def ticked(self) -> list[int] | None:
        """The ticked guests' invitation ids, or None for everyone who has not answered."""
        return self.invitation_ids.data if self.who.data == "ticked" else None


class AnswerOnBehalfForm(Form):
    """The organiser's entry of a guest's answers, one choice per part (``part-<id>``):
    empty keeps the part as it is."""

    @classmethod
    def for_parts(cls, activities) -> AnswerOnBehalfForm:
        choices = [SelectChoice("", _l("As it is")), SelectChoice("yes", _l("Yes")),
                   SelectChoice("no", _l("No")), SelectChoice("maybe", _l("Maybe"))]

        class PartsForm(cls):
            pass

        for activity in activities:
            setattr(PartsForm, f"part-{activity.id}", SelectField(
                activity.name, choices=choices, default=""))
        form = PartsForm()
        form.part_ids = [activity.id for activity in activities]
        return form

    def answers(self) -> dict[int, AnswerStatus]:
        """Part id -> the answer chosen, for the parts given one."""
        return {part_id: AnswerStatus(self[f"part-{part_id}"].data)
                for part_id in self.part_ids if self[f"part-{part_id}"].data}

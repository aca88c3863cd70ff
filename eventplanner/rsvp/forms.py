"""The guest's answer form, built for the parts of their event."""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    FieldList,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRF
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from eventplanner.form_fields import Form
from eventplanner.goals.times import format_duration
from eventplanner.invitations.answers import GuestAnswer
from eventplanner.invitations.links import guest_form_secret
from eventplanner.invitations.models import AnswerStatus, Invitation

PART_FIELD_PREFIX = "part_"


def part_field_name(activity_id: int) -> str:
    return f"{PART_FIELD_PREFIX}{activity_id}"


class InvitationCSRF(CSRF):
    """CSRF protection bound to the personal link instead of a session cookie.

    The token is an HMAC of the invitation under the server key (it changes with the link),
    so guest pages need no cookie at all and stay cacheable; a page from elsewhere cannot
    know it.
    """

    def setup_form(self, form):
        self.expected = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return self.expected

    def validate_csrf_token(self, form, field) -> None:
        if not field.data or not hmac.compare_digest(str(field.data), self.expected):
            raise ValidationError(_l("The form had expired or was sent from elsewhere."))


class GuestPageForm(Form):
    """A form on the guest page, whose inputs ``rsvp/_inputs.html`` writes out."""

    class Meta:
        csrf_class = InvitationCSRF

    @property
    def first_error_id(self) -> str:
        """The id of the first field in error (not the CSRF token), else ''."""
        return next((field.id for field in self
                     if field.errors and field.type != "CSRFTokenField"), "")


class GuestAnswerForm(GuestPageForm):

    plus_one_names = FieldList(
        StringField(_l("Guest's name"), validators=[Length(max=120)]), min_entries=0)
    dietary_needs = TextAreaField(
        _l("Dietary needs"), validators=[Length(max=500)],
        description=_l("Allergies or preferences, for you and your guests."))
    message_to_host = TextAreaField(
        _l("A message or a question to the host"), validators=[Length(max=5000)])

    plus_ones_allowed = 0
    part_ids: tuple[int, ...] = ()

    def validate_plus_one_names(self, field) -> None:
        named = [entry.data for entry in field.entries if (entry.data or "").strip()]
        if len(named) > self.plus_ones_allowed:
            raise ValidationError(ngettext("You can bring at most %(num)d guest.",
                                           "You can bring at most %(num)d guests.",
                                           self.plus_ones_allowed))

    def part_fields(self):
        return [self[part_field_name(part_id)] for part_id in self.part_ids]

    def answer(self) -> GuestAnswer:
        return GuestAnswer(
            answers={part_id: AnswerStatus(self[part_field_name(part_id)].data)
                     for part_id in self.part_ids},
            plus_one_names=tuple(entry.data or "" for entry in self.plus_one_names.entries),
            dietary_needs=self.dietary_needs.data or "",
            message_to_host=self.message_to_host.data or "",
        )


def answer_form_for(invitation: Invitation, **kwargs) -> GuestAnswerForm:
    """A form with a yes / no / maybe question per part, prefilled with the saved answer."""
    event = invitation.event
    data = {
        "plus_one_names": list(invitation.plus_one_names or []),
        "dietary_needs": invitation.dietary_needs or invitation.contact.dietary_notes,
        "message_to_host": invitation.message_to_host,
    }
    for activity in event.activities:
        status = invitation.answer_for(activity)
        if status is not None:
            data[part_field_name(activity.id)] = (
                AnswerStatus.YES if status is AnswerStatus.WAITLISTED else status).value
    form_class = _parts_form(tuple((activity.id, activity.name)
                                   for activity in event.activities))
    form = form_class(data=data, meta={"csrf_context": guest_form_secret(invitation)},
                      **kwargs)
    form.plus_ones_allowed = invitation.plus_ones_allowed
    while len(form.plus_one_names.entries) < invitation.plus_ones_allowed:
        form.plus_one_names.append_entry()
    return form


@functools.lru_cache(maxsize=512)
def _parts_form(parts: tuple[tuple[int, str], ...]) -> type[GuestAnswerForm]:
    """The answer form's class for parts ``(id, name)``: built once per programme (a
    class built per request took a tenth of the page's render)."""
    choices = [
        SelectChoice(AnswerStatus.YES.value, _l("Yes")),
        SelectChoice(AnswerStatus.NO.value, _l("No")),
        SelectChoice(AnswerStatus.MAYBE.value, _l("Maybe")),
    ]
    fields = {part_field_name(part_id): RadioField(
        name, choices=choices, validators=[InputRequired(message=_l("Choose yes, no or maybe."))])
        for part_id, name in parts}
    return type("PartsForm", (GuestAnswerForm,),
                {**fields, "part_ids": tuple(part_id for part_id, _ in parts)})


class GoalForm(GuestPageForm):
    """A guest's goal for one timed part; times are checked by the goals service."""

    target = StringField(_l("Target time"), validators=[Length(max=20)],
                         description=_l("m:ss or h:mm:ss, e.g. 9:45"))
    previous_best = StringField(_l("Your best time so far"), validators=[Length(max=20)])
    aim = StringField(_l("Your aim in words"), validators=[Length(max=200)],
                      description=_l("E.g. \"beat my colleague\" or \"just finish\"."))


def goal_form_for(invitation: Invitation, card, **kwargs) -> GoalForm:
    """Prefilled with the saved goal, else with last edition's."""
    source = card.goal or card.last_goal
    data = {
        "target": format_duration(source.target_seconds) if source else "",
        "previous_best": format_duration(card.goal.previous_best_seconds)
        if card.goal else "",
        "aim": source.aim if source else "",
    }
    return GoalForm(data=data, prefix=f"goal-{card.activity.id}",
                    meta={"csrf_context": guest_form_secret(invitation)}, **kwargs)


RATING_PREFIX = "rating_"


class FeedbackForm(Form):
    class Meta:
        csrf_class = InvitationCSRF

    score = RadioField(
        _l("How likely are you to recommend us to a colleague?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(11)],
        validators=[InputRequired(message=_l("Choose a number from 0 to 10."))])
    did_well = TextAreaField(_l("What did we do well?"), validators=[Length(max=5000)])
    do_better = TextAreaField(_l("What could we do better?"), validators=[Length(max=5000)])
    invite_again = RadioField(
        _l("Would you like to be invited next time?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validate_choice=False)
    custom_answer = TextAreaField(validators=[Length(max=5000)])
    custom_rating = RadioField(choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
                               validate_choice=False)

    part_ids: tuple[int, ...] = ()

    def rating_fields(self):
        return [self[f"{RATING_PREFIX}{part_id}"] for part_id in self.part_ids]


def feedback_form_for(invitation: Invitation, feedback, parts, **kwargs) -> FeedbackForm:
    """A rating question per part the guest came to, prefilled with their feedback."""

    class PartsFeedbackForm(FeedbackForm):
        pass

    data = {}
    for activity in parts:
        name = f"{RATING_PREFIX}{activity.id}"
        setattr(PartsFeedbackForm, name, RadioField(
            activity.name, choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
            validate_choice=True, validators=[Optional()]))
        if feedback and feedback.rating_for(activity):
            data[name] = str(feedback.rating_for(activity))
    if feedback:
        data.update(score=str(feedback.score), did_well=feedback.did_well,
                    do_better=feedback.do_better, custom_answer=feedback.custom_answer,
                    invite_again={True: "yes", False: "no"}.get(feedback.invite_again),
                    custom_rating=str(feedback.custom_rating or ""))
    PartsFeedbackForm.part_ids = tuple(activity.id for activity in parts)
    return PartsFeedbackForm(data=data, meta={"csrf_context": guest_form_secret(invitation)},
                             **kwargs)


class LanguageForm(Form):
    """The guest's choice of language, remembered for their invitation."""

    class Meta:
        csrf_class = InvitationCSRF

    language = SelectField(_l("Language"), validate_choice=True)


@dataclass(frozen=True)
class LanguageChoice:
    """The guest's languages as the footer of their pages offers them: a button each,
    posting to ``action`` with the link-bound token; ``LanguageForm`` checks the post. (A
    form object built to show four buttons took a seventh of the guest page's render.)"""

    action: str
    token: str
    languages: dict[str, str]
    current: str


def language_choice_for(invitation: Invitation, languages: dict[str, str],
                        action: str) -> LanguageChoice:
    return LanguageChoice(action, guest_form_secret(invitation), languages,
                          invitation.guest_language)


def language_form_for(invitation: Invitation, languages: dict[str, str],
                      **kwargs) -> LanguageForm:
    form = LanguageForm(data={"language": invitation.guest_language},
                        meta={"csrf_context": guest_form_secret(invitation)}, **kwargs)
    form.language.choices = [SelectChoice(code, name) for code, name in languages.items()]
    return form


class GuestButtonForm(Form):
    """A button on a guest page: nothing but the link-bound CSRF token."""

    class Meta:
        csrf_class = InvitationCSRF


def guest_button_form(invitation: Invitation, **kwargs) -> GuestButtonForm:
    return GuestButtonForm(meta={"csrf_context": guest_form_secret(invitation)}, **kwargs)

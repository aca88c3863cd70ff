"""The organiser's question form: the question in the event's default language with a
translation per other language, its part, and (for a choice question) its choices."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Length, Optional

from eventplanner.form_fields import Form
from eventplanner.questions.models import Question, QuestionKind
from eventplanner.questions.services import (
    CHOICE_MAX_LENGTH,
    MARK_MAX_LENGTH,
    MAX_CHOICES,
    QUESTION_MAX_LENGTH,
    ChoiceDetails,
    QuestionDetails,
    offered,
)

KIND_LABELS = {QuestionKind.CHOICE: _l("Choose one of several answers (a menu)"),
               QuestionKind.YES_NO: _l("Yes or no"),
               QuestionKind.TEXT: _l("A short text (a T-shirt size)")}
#: Empty rows the form offers for new choices.
BLANK_CHOICES = 3
TRANSLATION_PREFIX = "text_"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ChoiceSubForm(SubForm):
    id = HiddenField()
    text = StringField(_l("Choice"), filters=[_strip],
                       validators=[Length(max=CHOICE_MAX_LENGTH)])
    mark = StringField(_l("Mark"), filters=[_strip], validators=[Length(max=MARK_MAX_LENGTH)],
                       description=_l("A short mark for place cards, such as V."))

    languages: tuple[tuple[str, str], ...] = ()

    def translation_fields(self):
        return [(self[TRANSLATION_PREFIX + code], name) for code, name in self.languages]

    def details(self) -> ChoiceDetails:
        raw_id = self.id.data or ""
        return ChoiceDetails(
            text=self.text.data or "", mark=self.mark.data or "",
            id=int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 12 else None,
            translations={code: self[TRANSLATION_PREFIX + code].data or ""
                          for code, _ in self.languages})


class QuestionForm(Form):
    kind = SelectField(_l("Kind of answer"), choices=[
        SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()])
    text = StringField(_l("Question"), filters=[_strip], validators=[
        DataRequired(_l("Write the question.")), Length(max=QUESTION_MAX_LENGTH)])
    activity_id = SelectField(_l("Asked of"), coerce=int, default=0)
    required = BooleanField(_l("An answer is required"),
                            description=_l("Only of the guests who join the part."))
    ask_plus_ones = BooleanField(_l("Ask each plus-one too"))

    languages: tuple[tuple[str, str], ...] = ()

    def translation_fields(self):
        return [(self[TRANSLATION_PREFIX + code], name) for code, name in self.languages]

    def details(self) -> QuestionDetails:
        kind = QuestionKind(self.kind.data)
        return QuestionDetails(
            kind=kind, text=self.text.data or "",
            translations={code: self[TRANSLATION_PREFIX + code].data or ""
                          for code, _ in self.languages},
            required=self.required.data, ask_plus_ones=self.ask_plus_ones.data,
            activity_id=self.activity_id.data or None,
            choices=tuple(entry.form.details() for entry in self.choices.entries)
            if kind is QuestionKind.CHOICE else ())


def _translation_fields(languages: tuple[tuple[str, str], ...], limit: int) -> dict:
    return {TRANSLATION_PREFIX + code: StringField(
        _l("In %(language)s", language=name), filters=[_strip],
        validators=[Length(max=limit)]) for code, name in languages}


@functools.lru_cache(maxsize=32)
def _form_class(languages: tuple[tuple[str, str], ...]) -> type[QuestionForm]:
    """The form for the translations into ``languages`` (code, name): built once each."""
    choice_class = type("TranslatedChoice", (ChoiceSubForm,), {
        **_translation_fields(languages, CHOICE_MAX_LENGTH), "languages": languages})
    return type("TranslatedQuestionForm", (QuestionForm,), {
        **_translation_fields(languages, QUESTION_MAX_LENGTH), "languages": languages,
        "choices": FieldList(FormField(choice_class), min_entries=0,
                             max_entries=MAX_CHOICES + BLANK_CHOICES)})


def question_form_for(event, languages: dict[str, str], question: Question | None = None,
                      **kwargs) -> QuestionForm:
    """The form for a new question of ``event`` or to change ``question``; ``languages``:
    the app's (code: name), of which the event's default language is the question's own."""
    others = tuple((code, name) for code, name in languages.items()
                   if code != event.default_language)
    data = {}
    if question is not None:
        data = {"kind": question.kind.value, "text": question.text,
                "activity_id": question.activity_id or 0, "required": question.required,
                "ask_plus_ones": question.ask_plus_ones,
                **{TRANSLATION_PREFIX + code: (question.translations or {}).get(code, "")
                   for code, _ in others},
                "choices": [{"id": str(choice.id), "text": choice.text, "mark": choice.mark,
                             **{TRANSLATION_PREFIX + code: (choice.translations or {}).get(
                                 code, "") for code, _ in others}}
                            for choice in offered(question)]}
    form = _form_class(others)(data=data, **kwargs)
    form.activity_id.choices = [SelectChoice(0, _l("Every guest of the event"))] + [
        SelectChoice(activity.id, _l("Those who join %(part)s", part=activity.name))
        for activity in event.activities]
    while len(form.choices.entries) < min(
            len([e for e in form.choices.entries if e.form.text.data]) + BLANK_CHOICES,
            MAX_CHOICES + BLANK_CHOICES):
        form.choices.append_entry()
    return form


class RemoveQuestionForm(Form):
    """The confirmation of a removal: how many answers the organiser was shown."""

    answers = IntegerField(validators=[Optional()])

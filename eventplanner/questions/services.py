"""The organiser's own questions: asking them (add, change, reorder, remove), the guests'
answers (checked and saved with the guest's answer, in its transaction), and reading the
answers back (per person for the guest list, the briefing and place cards; counts per
choice for the kitchen list).

Who is asked: a question of the whole event (``activity_id`` None) is asked of a guest who
joins at least one part (yes, maybe or on the waitlist); a part's question of those who
join that part. A question with ``ask_plus_ones`` is asked of each named plus-one too
(person k = ``Invitation.plus_one_names[k - 1]``). Required means required of those asked.

Services add and flush; the caller commits once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager, joinedload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.changes import note_change
from eventplanner.invitations.models import AnswerStatus, Invitation, Response
from eventplanner.questions.models import (
    Question,
    QuestionAnswer,
    QuestionChoice,
    QuestionKind,
)

#: The most questions an event asks (its guests answer on a phone).
MAX_QUESTIONS = 20
#: The most choices a question offers (retired ones not counted).
MAX_CHOICES = 30
QUESTION_MAX_LENGTH = 300
CHOICE_MAX_LENGTH = 200
MARK_MAX_LENGTH = 8
ANSWER_MAX_LENGTH = 200
#: The answers that count as joining a part: the guest is asked the part's questions.
JOINING = (AnswerStatus.YES, AnswerStatus.MAYBE, AnswerStatus.WAITLISTED)
#: History fields (``ResponseChange.field``): a choice or yes/no, and free text (which the
#: privacy code clears with the rest of a guest's free text).
CHANGE_FIELD = "question"
TEXT_CHANGE_FIELD = "question_text"


class UnknownQuestion(InvalidInput):
    default_message = _l("That question is not asked on this page. Reload the page and "
                         "try again.")


class UnknownChoice(InvalidInput):
    default_message = _l("Choose one of the answers offered. Reload the page and try again.")


class AnswerMissing(InvalidInput):
    """A required question was left unanswered."""


@dataclass(frozen=True)
class ChoiceDetails:
    """One choice as the organiser enters it; ``id``: an existing choice of the question."""

    text: str
    translations: Mapping[str, str] = field(default_factory=dict)
    mark: str = ""
    id: int | None = None


@dataclass(frozen=True)
class QuestionDetails:
    """A question as the organiser enters it. ``text`` is in the event's default language;
    ``translations`` by language code (empty ones are dropped)."""

    kind: QuestionKind
    text: str
    translations: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    ask_plus_ones: bool = False
    activity_id: int | None = None
    choices: tuple[ChoiceDetails, ...] = ()


# --- reading -----------------------------------------------------------------------------

def questions_of(event: Event) -> list[Question]:
    """The event's questions in the order guests see them, with their choices (retired
    ones too) and parts. One query."""
    return list(db.session.scalars(
        select(Question).outerjoin(Question.choices)
        .where(Question.event_id == event.id)
        .options(contains_eager(Question.choices), joinedload(Question.activity))
        .order_by(Question.position, Question.id, QuestionChoice.position, QuestionChoice.id)
        .execution_options(populate_existing=True)).unique())


def get_question(event: Event, question_id: int) -> Question:
    """A question of ``event``; ``NotFound`` for any other id."""
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        raise NotFound()
    return question


def answer_count(question: Question) -> int:
    return db.session.scalar(select(func.count()).select_from(QuestionAnswer).where(
        QuestionAnswer.question_id == question.id))


def answered_choice_ids(question: Question) -> set[int]:
    return set(db.session.scalars(select(QuestionAnswer.choice_id).distinct().where(
        QuestionAnswer.question_id == question.id, QuestionAnswer.choice_id.is_not(None))))


def in_language(text: str, translations: Mapping[str, str] | None, language: str) -> str:
    """A question's or a choice's text in ``language``: its translation, else its text."""
    return (translations or {}).get(language) or text


def offered(question: Question) -> list[QuestionChoice]:
    """The choices guests can choose now (not retired)."""
    return [choice for choice in question.choices if choice.retired_at is None]


def asks_person(question: Question, person: int) -> bool:
    return person == 0 or question.ask_plus_ones


def asked_of(question: Question, joined: set[int]) -> bool:
    """Whether a guest who joins the parts ``joined`` (ids) is asked ``question``."""
    return bool(joined) if question.activity_id is None else question.activity_id in joined


def joined_parts(invitation: Invitation) -> set[int]:
    return {response.activity_id for response in invitation.responses
            if response.status in JOINING}


def answers_of(invitation: Invitation) -> dict[tuple[int, int], QuestionAnswer]:
    """The guest's answers by (question id, person). One query."""
    return {(answer.question_id, answer.person): answer for answer in db.session.scalars(
        select(QuestionAnswer).where(QuestionAnswer.invitation_id == invitation.id))}


def answer_value(answer: QuestionAnswer | None) -> str:
    """An answer as the guest form's input holds it: a choice's id, "yes"/"no", the text."""
    if answer is None:
        return ""
    if answer.choice_id is not None:
        return str(answer.choice_id)
    if answer.yes is not None:
        return "yes" if answer.yes else "no"
    return answer.text


def answer_text(question: Question, answer: QuestionAnswer, language: str | None = None,
                choices: Mapping[int, QuestionChoice] | None = None) -> str:
    """An answer as people read it: the choice (in ``language`` when given), Yes or No
    (in the current language), or the text."""
    if answer.choice_id is not None:
        choice = (choices or {}).get(answer.choice_id) or answer.choice
        return choice.text if language is None else in_language(
            choice.text, choice.translations, language)
    if answer.yes is not None:
        return _("Yes") if answer.yes else _("No")
    return answer.text


# --- the organiser's changes -------------------------------------------------------------

def _plain(text: str | None) -> str:
    """Text as typed, trimmed, without NUL characters (which PostgreSQL cannot store)."""
    return (text or "").replace("\x00", "").strip()


def _clean_translations(translations: Mapping[str, str], languages: Iterable[str],
                        default_language: str, limit: int) -> dict[str, str]:
    known = set(languages) - {default_language}
    cleaned = {}
    for language, text in translations.items():
        text = _plain(text)
        if not text:
            continue
        if language not in known:
            raise InvalidInput(_l("Translate only into the languages the app offers."))
        if len(text) > limit:
            raise InvalidInput(_l("A translation can be at most %(num)d characters.", num=limit))
        cleaned[language] = text
    return cleaned


def _checked(event: Event, details: QuestionDetails,
             languages: Iterable[str]) -> tuple[str, dict[str, str]]:
    text = _plain(details.text)
    if not text:
        raise InvalidInput(_l("Write the question."))
    if len(text) > QUESTION_MAX_LENGTH:
        raise InvalidInput(_l("A question can be at most %(num)d characters.",
                              num=QUESTION_MAX_LENGTH))
    if details.activity_id is not None and details.activity_id not in {
            activity.id for activity in event.activities}:
        raise InvalidInput(_l("Choose one of this event's parts, or the whole event."))
    if details.kind is QuestionKind.CHOICE:
        named = [choice for choice in details.choices if _plain(choice.text)]
        if not named:
            raise InvalidInput(_l("Give a choice question at least one choice."))
        if len(named) > MAX_CHOICES:
            raise InvalidInput(_l("A question can offer at most %(num)d choices.",
                                  num=MAX_CHOICES))
    languages = list(languages)
    return text, _clean_translations(details.translations, languages,
                                     event.default_language, QUESTION_MAX_LENGTH)


def add_question(event: Event, details: QuestionDetails, languages: Iterable[str],
                 by: Organiser | None) -> Question:
    """Ask the event's guests (or a part's) a new question, last in the order.
    ``languages``: the codes the app offers (``LANGUAGES``)."""
    languages = list(languages)
    text, translations = _checked(event, details, languages)
    lock_events([event.id])  # two organisers adding the 20th question at once
    count, last = db.session.execute(
        select(func.count(), func.max(Question.position)).where(
            Question.event_id == event.id)).one()
    if count >= MAX_QUESTIONS:
        raise InvalidState(_l("An event can ask at most %(num)d questions.", num=MAX_QUESTIONS))
    question = Question(event_id=event.id, activity_id=details.activity_id, kind=details.kind,
                        text=text, translations=translations, required=details.required,
                        ask_plus_ones=details.ask_plus_ones, position=(last or 0) + 1,
                        created_at=utcnow())
    db.session.add(question)
    if details.kind is QuestionKind.CHOICE:
        _set_choices(question, details.choices, languages, event.default_language, set())
    db.session.flush()
    record(event.workspace_id, by, "question.added", event_id=event.id,
           details={"question": text, "kind": details.kind.value})
    return question


def change_question(question: Question, details: QuestionDetails, languages: Iterable[str],
                    by: Organiser | None) -> Question:
    """Change a question. Once it has answers its kind and its part stay as they are; a
    choice that was chosen and is left out is retired (no longer offered, still shown on
    the answers that chose it), one never chosen is deleted."""
    event = question.event
    languages = list(languages)
    lock_events([event.id])
    answered = answer_count(question) > 0
    if answered and details.kind is not question.kind:
        raise InvalidState(_l("Guests have answered this question: its kind cannot change. "
                              "Add a new question instead."))
    if answered and details.activity_id != question.activity_id:
        raise InvalidState(_l("Guests have answered this question: it stays with its part. "
                              "Add a new question instead."))
    text, translations = _checked(event, details, languages)
    before = {"question": question.text, "required": question.required,
              "plus-ones": question.ask_plus_ones}
    question.kind, question.text, question.translations = details.kind, text, translations
    question.required, question.ask_plus_ones = details.required, details.ask_plus_ones
    question.activity_id = details.activity_id
    choices = details.choices if details.kind is QuestionKind.CHOICE else ()
    _set_choices(question, choices, languages, event.default_language,
                 answered_choice_ids(question) if answered else set())
    db.session.flush()
    after = {"question": text, "required": details.required,
             "plus-ones": details.ask_plus_ones}
    record(event.workspace_id, by, "question.changed", event_id=event.id,
           details={"question": text, **{name: [before[name], value]
                                         for name, value in after.items()
                                         if before[name] != value}})
    return question


def _set_choices(question: Question, wanted: Iterable[ChoiceDetails], languages: list[str],
                 default_language: str, answered: set[int]) -> None:
    existing = {choice.id: choice for choice in question.choices}
    kept: set[int] = set()
    position = 0
    for details in wanted:
        text = _plain(details.text)
        if not text:
            continue
        if len(text) > CHOICE_MAX_LENGTH:
            raise InvalidInput(_l("A choice can be at most %(num)d characters.",
                                  num=CHOICE_MAX_LENGTH))
        mark = _plain(details.mark)
        if len(mark) > MARK_MAX_LENGTH:
            raise InvalidInput(_l("A mark can be at most %(num)d characters, such as V.",
                                  num=MARK_MAX_LENGTH))
        translations = _clean_translations(details.translations, languages, default_language,
                                           CHOICE_MAX_LENGTH)
        position += 1
        if details.id is not None:
            choice = existing.get(details.id)
            if choice is None:
                raise UnknownChoice(_l("That choice is not one of this question's. Reload the "
                                       "page and try again."))
            kept.add(choice.id)
            choice.text, choice.translations, choice.mark = text, translations, mark
            choice.position, choice.retired_at = position, None
        else:
            question.choices.append(QuestionChoice(text=text, translations=translations,
                                                   mark=mark, position=position))
    for choice_id, choice in existing.items():
        if choice_id in kept or choice.retired_at is not None:
            continue
        if choice_id in answered:
            choice.retired_at = utcnow()
        else:
            question.choices.remove(choice)


def move_question(question: Question, step: int, by: Organiser | None) -> None:
    """Move a question up (``step`` -1) or down (+1) in the order guests see them."""
    event = question.event
    lock_events([event.id])
    ordered = list(db.session.scalars(select(Question).where(Question.event_id == event.id)
                                      .order_by(Question.position, Question.id)))
    index = ordered.index(question)
    target = min(max(index + (1 if step > 0 else -1), 0), len(ordered) - 1)
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    for position, each in enumerate(ordered, start=1):
        each.position = position
    record(event.workspace_id, by, "question.moved", event_id=event.id,
           details={"question": question.text})
    db.session.flush()


def remove_question(question: Question, answers_confirmed: int, by: Organiser | None) -> int:
    """Remove a question and its answers. ``answers_confirmed``: how many answers the
    organiser was told would go with it; refused if more have come in since (they look
    again). Returns how many answers went."""
    event = question.event
    lock_events([event.id])
    answers = answer_count(question)
    if answers > answers_confirmed:
        raise InvalidState(_l("Guests have answered this question meanwhile. Look at the "
                              "answers again before you remove it."))
    record(event.workspace_id, by, "question.removed", event_id=event.id,
           details={"question": question.text, "answers removed": answers})
    db.session.execute(delete(QuestionAnswer).where(QuestionAnswer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
    return answers


def copy_questions(source: Event, copy: Event, parts: Mapping[int, int]) -> None:
    """The questions and their offered choices (not the answers) of ``source``, for its
    next edition ``copy``; ``parts``: the source's part ids to the copy's."""
    for question in questions_of(source):
        if question.activity_id is not None and question.activity_id not in parts:
            continue
        copied = Question(
            event_id=copy.id, activity_id=parts.get(question.activity_id),
            kind=question.kind, text=question.text, translations=dict(question.translations),
            required=question.required, ask_plus_ones=question.ask_plus_ones,
            position=question.position, created_at=utcnow())
        copied.choices = [QuestionChoice(text=c.text, translations=dict(c.translations),
                                         mark=c.mark, position=c.position)
                          for c in offered(question)]
        db.session.add(copied)
    db.session.flush()


# --- the guest's answers -----------------------------------------------------------------

def _parse(question: Question, value: str, previous: QuestionAnswer | None,
           ) -> tuple[int | None, bool | None, str] | None:
    """A submitted value as (choice id, yes, text); None when empty."""
    value = _plain(value)
    if not value:
        return None
    if question.kind is QuestionKind.CHOICE:
        choice_id = int(value) if value.isascii() and value.isdigit() and len(value) < 12 \
            else None
        allowed = {choice.id for choice in offered(question)}
        if previous is not None and previous.choice_id is not None:
            allowed.add(previous.choice_id)  # a retired choice the guest keeps
        if choice_id not in allowed:
            raise UnknownChoice()
        return choice_id, None, ""
    if question.kind is QuestionKind.YES_NO:
        if value not in ("yes", "no"):
            raise UnknownChoice()
        return None, value == "yes", ""
    if len(value) > ANSWER_MAX_LENGTH:
        raise InvalidInput(_l("An answer can be at most %(num)d characters.",
                              num=ANSWER_MAX_LENGTH))
    return None, None, value


def person_label(invitation: Invitation, person: int) -> str:
    """The guest, or their plus-one by name, else "Guest 1" (as the guest page numbers
    the plus-ones' name fields)."""
    names = invitation.plus_one_names or []
    if person == 0:
        return invitation.contact.name
    if person <= len(names) and names[person - 1]:
        return names[person - 1]
    return _("Guest %(number)d", number=person)


def save_guest_answers(invitation: Invitation, submitted: Mapping[tuple[int, int], str],
                       now: datetime, changed_by: str = "guest") -> bool:
    """Save the guest's answers to the event's questions, after their answer to the parts
    (``respond_to_invitation``) in the same transaction. ``submitted``: the form's value
    per (question id, person); person k > 0 is the k-th named plus-one.

    Answers to questions the guest is not asked (a part they do not join, a plus-one they
    did not name) are ignored and their saved answers kept; ``UnknownQuestion`` for a
    question of another event or a person who cannot be asked; ``AnswerMissing`` (in the
    guest's language) for a required question left empty. Every change is noted in the
    guest's history. Returns True if anything changed."""
    questions = {question.id: question for question in questions_of(invitation.event)}
    plus_ones = len(invitation.plus_one_names or [])
    for question_id, person in submitted:
        question = questions.get(question_id)
        if (question is None or person < 0 or person > invitation.plus_ones_allowed
                or not asks_person(question, person)):
            raise UnknownQuestion()
    saved = answers_of(invitation)
    joined = joined_parts(invitation)
    language = invitation.guest_language
    changed = False
    for question in questions.values():
        if not asked_of(question, joined):
            continue
        for person in range(plus_ones + 1 if question.ask_plus_ones else 1):
            previous = saved.get((question.id, person))
            parsed = _parse(question, submitted.get((question.id, person), ""), previous)
            if parsed is None and question.required:
                text = in_language(question.text, question.translations, language)
                raise AnswerMissing(_l("Please answer: %(question)s", question=text)
                                    if person == 0 else
                                    _l("Please answer for %(name)s: %(question)s",
                                       name=person_label(invitation, person), question=text))
            changed |= _write_answer(invitation, question, person, previous, parsed,
                                     changed_by, now)
    # Answers of plus-ones no longer named go with them.
    for (_question_id, person), answer in saved.items():
        if person > plus_ones:
            db.session.delete(answer)
            changed = True
    if changed:
        invitation.updated_at = now
    db.session.flush()
    return changed


def _write_answer(invitation: Invitation, question: Question, person: int,
                  previous: QuestionAnswer | None,
                  parsed: tuple[int | None, bool | None, str] | None, changed_by: str,
                  now: datetime) -> bool:
    old = (previous.choice_id, previous.yes, previous.text) if previous else None
    if parsed == old:
        return False
    choices = {choice.id: choice for choice in question.choices}
    old_text = _history_value(old, choices)
    if parsed is None:
        db.session.delete(previous)
    else:
        answer = previous or QuestionAnswer(invitation_id=invitation.id,
                                            question_id=question.id, person=person)
        answer.choice_id, answer.yes, answer.text = parsed
        answer.updated_at = now
        db.session.add(answer)
    new_text = _history_value(parsed, choices)
    subject = question.text if person == 0 else \
        f"{question.text} ({person_label(invitation, person)})"
    note_change(invitation, TEXT_CHANGE_FIELD if question.kind is QuestionKind.TEXT
                else CHANGE_FIELD, old_text, new_text, changed_by, now, question.activity,
                subject=subject)
    return True


def _history_value(value: tuple[int | None, bool | None, str] | None,
                   choices: Mapping[int, QuestionChoice]) -> str:
    """An answer as the guest's history keeps it, in no one's language: the choice's text
    (the event's default language), "yes" or "no" (shown as the reader's Yes and No, like
    the answers to parts), or the text."""
    if value is None:
        return ""
    choice_id, yes, text = value
    if choice_id is not None:
        return choices[choice_id].text
    if yes is not None:
        return AnswerStatus.YES.value if yes else AnswerStatus.NO.value
    return text


def clear_text_answers(invitation_ids: list[int]) -> None:
    """Erasure and retention: the free-text answers of these invitations are emptied;
    choices and yes/no stay for the counts (as scores do)."""
    if not invitation_ids:
        return
    text_questions = select(Question.id).where(Question.kind == QuestionKind.TEXT)
    db.session.execute(delete(QuestionAnswer).where(
        QuestionAnswer.invitation_id.in_(invitation_ids),
        QuestionAnswer.question_id.in_(text_questions)))


# --- reading the answers back ------------------------------------------------------------

def answers_by_person(event: Event, invitation_ids: Iterable[int] | None = None,
                      ) -> dict[tuple[int, int], list[tuple[Question, str]]]:
    """Every answer to the event's questions, per (invitation id, person), in the order
    of the questions: ``[(question, text as people read it)]`` (a choice's text in the
    event's default language, a retired choice included; Yes/No in the current
    language). Person 0 is the guest, k their k-th plus-one. ``invitation_ids``: only
    these guests. Two queries (questions, answers), whatever the number of guests.

    For the guest list, the CSV export, the host's briefing and place cards."""
    questions = questions_of(event)
    if not questions:
        return {}
    order = {question.id: index for index, question in enumerate(questions)}
    by_id = {question.id: question for question in questions}
    choices = {choice.id: choice for question in questions for choice in question.choices}
    query = select(QuestionAnswer).where(QuestionAnswer.question_id.in_(list(by_id)))
    if invitation_ids is not None:
        query = query.where(QuestionAnswer.invitation_id.in_(list(invitation_ids)))
    found: dict[tuple[int, int], list[tuple[Question, str]]] = defaultdict(list)
    for answer in sorted(db.session.scalars(query),
                         key=lambda a: (a.invitation_id, a.person, order[a.question_id])):
        question = by_id[answer.question_id]
        found[(answer.invitation_id, answer.person)].append(
            (question, answer_text(question, answer, choices=choices)))
    return dict(found)


def answers_summary(invitation: Invitation, asked: list[Question] | None = None,
                    answers: dict[tuple[int, int], QuestionAnswer] | None = None,
                    ) -> list[tuple[str, str]]:
    """The guest's answers as they read them, in their language: ("Menu", "Fish"),
    ("Menu (Per)", "Vegetarian"); for their page (``asked`` and ``answers`` read already)
    and their confirmation email (two queries)."""
    asked = questions_of(invitation.event) if asked is None else asked
    if answers is None:
        answers = answers_of(invitation) if asked else {}
    language = invitation.guest_language
    lines = []
    for question in asked:
        text = in_language(question.text, question.translations, language)
        choices = {choice.id: choice for choice in question.choices}
        for person in range(invitation.plus_ones_allowed + 1):
            answer = answers.get((question.id, person))
            if answer is not None:
                label = text if person == 0 else f"{text} ({person_label(invitation, person)})"
                lines.append((label, answer_text(question, answer, language, choices)))
    return lines


def answers_of_guests(invitation_ids: Iterable[int],
                      ) -> dict[int, list[tuple[int, Question, str]]]:
    """The answers of these invitations (of any events), per invitation: ``[(person,
    question, text as people read it)]`` by person, then the questions' order. One query.
    For a person's data (right of access)."""
    found: dict[int, list[tuple[int, Question, str]]] = defaultdict(list)
    for answer in db.session.scalars(
            select(QuestionAnswer).join(QuestionAnswer.question)
            .where(QuestionAnswer.invitation_id.in_(list(invitation_ids)))
            .options(contains_eager(QuestionAnswer.question), joinedload(QuestionAnswer.choice))
            .order_by(QuestionAnswer.invitation_id, QuestionAnswer.person, Question.position,
                      Question.id)):
        found[answer.invitation_id].append(
            (answer.person, answer.question, answer_text(answer.question, answer)))
    return dict(found)


@dataclass
class CountLine:
    """One answer and how many chose it: a choice (with its mark), Yes or No."""

    label: str
    count: int
    mark: str = ""
    retired: bool = False


@dataclass
class QuestionCounts:
    question: Question
    lines: list[CountLine]
    #: People asked who have not answered (yet).
    not_answered: int


def choice_counts(activity: Activity, asked: list[Question] | None = None,
                  ) -> list[QuestionCounts]:
    """The kitchen list of a part: for each of its choice and yes/no questions, how many
    of the people coming (the guests who said yes, and their named plus-ones where the
    question asks them too) chose each answer, and how many have not answered. Three
    queries; two when ``asked`` (``questions_of`` its event) is given."""
    asked = questions_of(activity.event) if asked is None else asked
    return _counts([q for q in asked if q.activity_id == activity.id],
                   Response.activity_id == activity.id)


def whole_event_counts(event: Event, asked: list[Question] | None = None,
                       ) -> list[QuestionCounts]:
    """As ``choice_counts``, for the questions of the whole event: people who said yes to
    at least one part."""
    asked = questions_of(event) if asked is None else asked
    return _counts([q for q in asked if q.activity_id is None], Response.activity_id.in_(
        [activity.id for activity in event.activities]))


def _counts(questions: list[Question], joins) -> list[QuestionCounts]:
    questions = [q for q in questions if q.kind is not QuestionKind.TEXT]
    if not questions:
        return []
    saying_yes = select(Response.invitation_id).where(joins,
                                                      Response.status == AnswerStatus.YES)
    coming = {invitation_id: len(names or []) for invitation_id, names in db.session.execute(
        select(Invitation.id, Invitation.plus_one_names).where(
            Invitation.id.in_(saying_yes), Invitation.revoked_at.is_(None)))}
    answers = db.session.scalars(select(QuestionAnswer).where(
        QuestionAnswer.question_id.in_([q.id for q in questions]),
        QuestionAnswer.invitation_id.in_(list(coming)))) if coming else []
    by_id = {question.id: question for question in questions}
    counted: dict[int, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for answer in answers:
        question_id = answer.question_id
        if answer.person == 0 or (by_id[question_id].ask_plus_ones
                                  and answer.person <= coming[answer.invitation_id]):
            key = answer.choice_id if answer.choice_id is not None else answer.yes
            counted[question_id][key] += 1
    result = []
    for question in questions:
        people = sum(1 + (plus_ones if question.ask_plus_ones else 0)
                     for plus_ones in coming.values())
        tally = counted[question.id]
        if question.kind is QuestionKind.CHOICE:
            lines = [CountLine(choice.text, tally.get(choice.id, 0), choice.mark,
                               choice.retired_at is not None) for choice in question.choices
                     if choice.retired_at is None or tally.get(choice.id)]
        else:
            lines = [CountLine(_("Yes"), tally.get(True, 0)),
                     CountLine(_("No"), tally.get(False, 0))]
        result.append(QuestionCounts(question, lines,
                                     max(people - sum(tally.values()), 0)))
    return result

"""The organiser's questions to an event's guests, and the kitchen list of their answers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action, get_event_for
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import organisers_only, requires
from eventplanner.questions import services
from eventplanner.questions.forms import KIND_LABELS, RemoveQuestionForm, question_form_for
from eventplanner.questions.models import QuestionKind
from eventplanner.seating.printing import menus_by_table
from eventplanner.transactions import commit_or_flash, commit_or_form_error

bp = organisers_only(Blueprint("questions", __name__,
                               url_prefix="/events/<int:event_id>/questions"))


@bp.app_template_global("question_answers_of")
def question_answers_of(invitation) -> list[tuple[str, str]]:
    """For the guest's confirmation email (``emails/_answers``), written by the delivery
    worker with no request: their answers to the questions, in their language."""
    return services.answers_summary(invitation)


def _languages() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def _to_list(event_id: int, anchor: str | None = None):
    return redirect(url_for("questions.list_questions", event_id=event_id, _anchor=anchor),
                    code=303)


@bp.route("/", methods=["GET", "POST"])
@requires(Action.READ, Action.ORGANISE)
def list_questions(event_id: int):
    """The event's questions in the guests' order; a form to add one."""
    event = get_event_for(current_user, event_id)
    form = question_form_for(event, _languages())
    if form.validate_on_submit():
        question = commit_or_form_error(form, lambda: services.add_question(
            event, form.details(), _languages(), current_user))
        if question is not None:
            flash(_("Question added: %(question)s", question=question.text), "success")
            return _to_list(event.id, f"question-{question.id}")
    questions = services.questions_of(event)
    return render_template(
        "questions/list.html", event=event, questions=questions, form=form,
        kind_labels=KIND_LABELS, move_form=ConfirmForm(), max_questions=services.MAX_QUESTIONS,
        languages=_languages()), 422 if form.errors or form.form_errors else 200


@bp.route("/<int:question_id>", methods=["GET", "POST"])
@requires(Action.READ, Action.ORGANISE)
def edit_question(event_id: int, question_id: int):
    event = get_event_for(current_user, event_id)
    question = services.get_question(event, question_id)
    form = question_form_for(event, _languages(), None if request.method == "POST"
                             else question)
    if form.validate_on_submit() and commit_or_form_error(form, lambda: services.change_question(
            question, form.details(), _languages(), current_user)):
        flash(_("Question saved."), "success")
        return _to_list(event.id, f"question-{question.id}")
    return render_template(
        "questions/edit.html", event=event, question=question, form=form,
        answers=services.answer_count(question),
        retired=[c for c in question.choices if c.retired_at is not None]), \
        422 if form.errors or form.form_errors else 200


@bp.route("/<int:question_id>/move", methods=["POST"])
@requires(Action.ORGANISE)
def move_question(event_id: int, question_id: int):
    """Up or down one place in the guests' order (``step``: "up" or "down")."""
    event = get_event_for(current_user, event_id)
    question = services.get_question(event, question_id)
    if ConfirmForm().validate_on_submit():
        step = -1 if request.form.get("step") == "up" else 1
        commit_or_flash(lambda: services.move_question(question, step, current_user))
    return _to_list(event.id, f"question-{question.id}")


@bp.route("/<int:question_id>/remove", methods=["GET", "POST"])
@requires(Action.ORGANISE)
def remove_question(event_id: int, question_id: int):
    """Ask first, saying how many answers go with the question (GET); then remove it."""
    event = get_event_for(current_user, event_id)
    question = services.get_question(event, question_id)
    answers = services.answer_count(question)
    form = RemoveQuestionForm(data={"answers": answers})
    if form.validate_on_submit():
        text = question.text
        if commit_or_flash(lambda: services.remove_question(
                question, form.answers.data or 0, current_user)) is not None:
            flash(_("Question removed: %(question)s", question=text), "success")
            return _to_list(event.id)
        return redirect(url_for("questions.remove_question", event_id=event.id,
                                question_id=question.id), code=303)
    return render_template("questions/remove.html", event=event, question=question,
                           form=form, answers=answers)


@bp.route("/kitchen")
@requires(Action.READ)
def kitchen_list(event_id: int):
    """Per part, how many of the people coming chose each answer: printable."""
    event = get_event_for(current_user, event_id)
    asked = services.questions_of(event)
    per_table = {}
    for activity in event.activities:
        menus = [q for q in asked if q.kind is QuestionKind.CHOICE
                 and q.activity_id in (None, activity.id)]
        tables = menus_by_table(activity, menus)
        if tables:
            per_table[activity.id] = (menus, tables)
    return render_template(
        "questions/kitchen.html", event=event,
        whole_event=services.whole_event_counts(event, asked),
        parts=[(activity, services.choice_counts(activity, asked))
               for activity in event.activities], per_table=per_table)

"""The organiser's own questions: asked on the event or a part, in the guest's language,
answered with the guest's answer (plus-ones too), read back in the guest list, the kitchen
list and the CSV export, and cleared with the guest's other free text on erasure."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.models import AnswerStatus, Invitation, ResponseChange
from eventplanner.questions import services
from eventplanner.questions.models import Question, QuestionAnswer, QuestionChoice, QuestionKind


def menu_form(**overrides) -> dict:
    """The add-a-question form for the dinner's menu (two choices, Norwegian too)."""
    return {"kind": "choice", "text": "Menu", "text_nb": "Meny", "activity_id": "0",
            "required": "y", "ask_plus_ones": "y",
            "choices-0-text": "Fish", "choices-0-text_nb": "Fisk", "choices-0-mark": "",
            "choices-1-text": "Vegetarian", "choices-1-text_nb": "Vegetar",
            "choices-1-mark": "V", **overrides}


def the_question(app, text: str = "Menu") -> Question:
    with app.app_context():
        question = db.session.scalars(select(Question).where(Question.text == text)).one()
        assert question.choices is not None
        db.session.expunge_all()
        return question


def test_the_organiser_adds_a_menu_question_to_the_dinner_and_sees_it_listed(
        app, make_organiser, log_in, make_event, make_activity):
    ingrid = make_organiser(name="Ingrid Haugen")
    event = make_event(ingrid)
    dinner = make_activity(event, name="Dinner", kind="standard")
    browser = log_in(ingrid)
    assert "Questions for the guests" in browser.get(f"/events/{event.id}").get_data(
        as_text=True)
    response = browser.submit(f"/events/{event.id}/questions/", menu_form(
        activity_id=str(dinner.id)))
    assert response.status_code == 303
    page = browser.get(f"/events/{event.id}/questions/").get_data(as_text=True)
    assert "Question added: Menu" in page and "Those who join Dinner" in page
    assert "Vegetarian (V)" in page and "Translated: NB" in page
    question = the_question(app)
    with app.app_context():
        stored = db.session.get(Question, question.id)
        assert (stored.kind, stored.activity_id, stored.required, stored.ask_plus_ones) == (
            QuestionKind.CHOICE, dinner.id, True, True)
        assert stored.translations == {"nb": "Meny"}
        assert [(c.text, c.translations, c.mark) for c in stored.choices] == [
            ("Fish", {"nb": "Fisk"}, ""), ("Vegetarian", {"nb": "Vegetar"}, "V")]
        assert db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.event_id == event.id)).all()[-1] == "question.added"


def test_questions_are_reordered_edited_and_removed(app, make_organiser, log_in, make_event,
                                                     make_activity):
    owner = make_organiser()
    event = make_event(owner)
    make_activity(event)
    browser = log_in(owner)
    browser.submit(f"/events/{event.id}/questions/", menu_form())
    browser.submit(f"/events/{event.id}/questions/", {
        "kind": "yes_no", "text": "Bus from the hotel?", "activity_id": "0"})
    bus = the_question(app, "Bus from the hotel?")
    browser.submit(f"/events/{event.id}/questions/{bus.id}/move", {"step": "up"})
    page = browser.get(f"/events/{event.id}/questions/").get_data(as_text=True)
    assert "1. Bus from the hotel?" in page and "2. Menu" in page
    response = browser.submit(f"/events/{event.id}/questions/{bus.id}", {
        "kind": "yes_no", "text": "Bus from the hotel at 15:00?", "activity_id": "0"})
    assert response.status_code == 303
    assert browser.get(f"/events/{event.id}/questions/{bus.id}/remove").status_code == 200
    assert browser.submit(f"/events/{event.id}/questions/{bus.id}/remove",
                          {"answers": "0"}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Question.text)).all() == ["Menu"]
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.event_id == event.id, AuditEntry.action.like("question.%"))).all()
        assert actions == ["question.added", "question.added", "question.moved",
                           "question.changed", "question.removed"]


def test_bad_question_input_gets_clear_messages_and_saves_nothing(
        app, make_organiser, log_in, make_event, make_activity):
    owner = make_organiser()
    event = make_event(owner)
    make_activity(event)
    other = make_event(owner)
    other_part = make_activity(other)
    browser = log_in(owner)
    for form, message in (
            (menu_form(text=""), "Write the question."),
            (menu_form(text="x" * 301), "300"),
            (menu_form(**{"choices-0-text": "", "choices-1-text": ""}),
             "at least one choice"),
            (menu_form(**{"choices-0-mark": "VEGETARIAN"}), "8"),
            (menu_form(activity_id=str(other_part.id)), "Not a valid choice"),
            (menu_form(activity_id="99999999999999999999"), "Not a valid"),
            (menu_form(kind="essay"), "Not a valid choice"),
            (menu_form(**{"choices-0-id": "999999"}), "not one of this question")):
        response = browser.submit(f"/events/{event.id}/questions/", form)
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.query(Question).count() == 0


def test_an_event_asks_at_most_twenty_questions(app, make_organiser, log_in, make_event,
                                                make_activity):
    owner = make_organiser()
    event = make_event(owner)
    make_activity(event)
    browser = log_in(owner)
    for number in range(services.MAX_QUESTIONS):
        assert browser.submit(f"/events/{event.id}/questions/", {
            "kind": "text", "text": f"Question {number}", "activity_id": "0"}
        ).status_code == 303
    response = browser.submit(f"/events/{event.id}/questions/", {
        "kind": "text", "text": "One too many", "activity_id": "0"})
    assert response.status_code == 422
    assert "at most 20 questions" in response.get_data(as_text=True)


def test_a_viewer_reads_the_questions_but_cannot_change_them_and_another_workspace_gets_404(
        app, make_organiser, log_in, make_event, make_activity):
    from eventplanner.team.services import invite_member  # noqa: F401  (see test_access)
    owner = make_organiser()
    event = make_event(owner)
    make_activity(event)
    browser = log_in(owner)
    browser.submit(f"/events/{event.id}/questions/", menu_form())
    question = the_question(app)
    stranger = log_in(make_organiser())
    for url in (f"/events/{event.id}/questions/", f"/events/{event.id}/questions/kitchen",
                f"/events/{event.id}/questions/{question.id}"):
        assert stranger.get(url).status_code == 404
    assert stranger.submit(f"/events/{event.id}/questions/{question.id}/remove",
                           {"answers": "0"}).status_code == 404
    with app.app_context():
        assert db.session.query(Question).count() == 1

"""The organiser's own questions: asked on the event or a part, in the guest's language,
answered with the guest's answer (plus-ones too), read back in the guest list, the kitchen
list and the CSV export, and cleared with the guest's other free text on erasure."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import Invitation, ResponseChange
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


# --- the guest's side ----------------------------------------------------------------------

def ask(app, event, text: str = "Menu", kind: str = "choice", activity=None,
        choices=(("Fish", {"nb": "Fisk"}, ""), ("Vegetarian", {"nb": "Vegetar"}, "V")),
        **options) -> Question:
    """The organiser asks the event's guests (or a part's) a question, through the service."""
    with app.app_context():
        live = db.session.merge(event)
        question = services.add_question(live, services.QuestionDetails(
            kind=QuestionKind(kind), text=text, translations=options.pop("translations", {}),
            activity_id=activity.id if activity is not None else None,
            choices=tuple(services.ChoiceDetails(t, tr, m) for t, tr, m in choices)
            if kind == "choice" else (), **options), app.config["LANGUAGES"], live.owner)
        db.session.commit()
        question_id = question.id
    return the_question_by_id(app, question_id)


def the_question_by_id(app, question_id: int) -> Question:
    with app.app_context():
        question = db.session.get(Question, question_id)
        assert list(question.choices) is not None
        db.session.expunge_all()
        return question


def dinner_event(make_organiser, make_event, make_activity):
    owner = make_organiser(name="Ingrid Haugen")
    event = make_event(owner, status="published")
    race = make_activity(event, name="Stair race")
    from tests.conftest import next_year_at
    dinner = make_activity(event, name="Dinner", kind="standard",
                           starts_at=next_year_at(10, 1, 19))
    return event, race, dinner


def stored_answers(app, invitation_id: int) -> dict[tuple[int, int], tuple]:
    with app.app_context():
        return {(a.question_id, a.person): (a.choice_id, a.yes, a.text)
                for a in db.session.scalars(select(QuestionAnswer).where(
                    QuestionAnswer.invitation_id == invitation_id))}


def test_a_guest_reads_the_questions_in_their_language_and_answers_for_themselves_and_a_plus_one(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner, required=True, ask_plus_ones=True,
               translations={"nb": "Hva vil du spise?"})
    bus = ask(app, event, "Bus from the hotel?", "yes_no")
    kari = make_invitation(event, make_contact(event.owner, name="Kari Nordmann",
                                               language="nb"), plus_ones_allowed=1)
    link = f"/r/{kari.token}"
    page = client.get(link).get_data(as_text=True)
    assert "Hva vil du spise?" in page and "Fisk" in page and "Vegetar" in page
    assert "Bus from the hotel?" in page, "no translation: the question's own text"
    fish, veggie = (c.id for c in menu.choices)
    response = client.submit(link, {
        f"part_{race.id}": "yes", f"part_{dinner.id}": "yes", "plus_one_names-0": "Per",
        f"question-{menu.id}-0": str(fish), f"question-{menu.id}-1": str(veggie),
        f"question-{bus.id}-0": "yes"})
    assert response.status_code == 303
    assert stored_answers(app, kari.id) == {(menu.id, 0): (fish, None, ""),
                                           (menu.id, 1): (veggie, None, ""),
                                           (bus.id, 0): (None, True, "")}
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hva vil du spise? (Per): <strong>Vegetar</strong>" in saved
    with app.app_context():
        changes = db.session.scalars(select(ResponseChange).where(
            ResponseChange.invitation_id == kari.id, ResponseChange.field == "question")).all()
        assert {(c.activity_name, c.new_value) for c in changes} == {
            ("Menu", "Fish"), ("Menu (Per)", "Vegetarian"), ("Bus from the hotel?", "yes")}


def test_a_required_question_is_required_only_of_those_who_join_its_part(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner, required=True, translations={"nb": "Meny"})
    kari = make_invitation(event, make_contact(event.owner, language="nb"))
    link = f"/r/{kari.token}"
    response = client.submit(link, {f"part_{race.id}": "yes", f"part_{dinner.id}": "yes"})
    assert response.status_code == 422
    assert "Svar på: Meny" in response.get_data(as_text=True) or \
        "Please answer: Meny" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invitation, kari.id).answered_at is None, "nothing saved"
    fish = menu.choices[0].id
    # Not coming to the dinner: not asked; what was typed for it is ignored.
    response = client.submit(link, {f"part_{race.id}": "yes", f"part_{dinner.id}": "no",
                                    f"question-{menu.id}-0": str(fish)})
    assert response.status_code == 303
    assert stored_answers(app, kari.id) == {}


def test_bad_answers_are_refused_with_a_message_and_nothing_saved(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner)
    size = ask(app, event, "T-shirt size", "text")
    other_event, _, other_dinner = dinner_event(make_organiser, make_event, make_activity)
    foreign = ask(app, other_event, activity=other_dinner)
    kari = make_invitation(event, make_contact(event.owner))
    link = f"/r/{kari.token}"
    parts = {f"part_{race.id}": "yes", f"part_{dinner.id}": "yes"}
    for extra, status in (
            ({f"question-{menu.id}-0": "99999999"}, 422),
            ({f"question-{menu.id}-0": str(foreign.choices[0].id)}, 422),
            ({f"question-{menu.id}-0": "9" * 40}, 422),
            ({f"question-{menu.id}-0": "fish"}, 422),
            ({f"question-{size.id}-0": "x" * 201}, 422),
            ({f"question-{foreign.id}-0": str(foreign.choices[0].id)}, 422),
            ({f"question-{menu.id}-1": str(menu.choices[0].id)}, 422),
            ({f"question-{menu.id}-999": str(menu.choices[0].id)}, 422)):
        response = client.submit(link, parts | extra)
        assert response.status_code == status, extra
        assert 'class="notice notice-error"' in response.get_data(as_text=True), extra
    with app.app_context():
        assert db.session.query(QuestionAnswer).count() == 0
        assert db.session.get(Invitation, kari.id).answered_at is None


def test_a_double_submit_is_harmless_and_the_cached_page_shows_the_new_answers(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner)
    kari = make_invitation(event, make_contact(event.owner))
    link = f"/r/{kari.token}"
    fish, veggie = (c.id for c in menu.choices)
    assert f'<option value="{fish}" selected>' not in client.get(link).get_data(as_text=True)
    form = {f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
            f"question-{menu.id}-0": str(fish)}
    assert client.submit(link, form).status_code == 303
    assert client.submit(link, form).status_code == 303
    with app.app_context():
        assert db.session.query(QuestionAnswer).count() == 1
        assert db.session.query(ResponseChange).filter_by(field="question").count() == 1
    assert f'<option value="{fish}" selected>' in client.get(link).get_data(as_text=True)
    # The organiser adds a question: the cached page shows it.
    ask(app, event, "Bus from the hotel?", "yes_no")
    assert "Bus from the hotel?" in client.get(link).get_data(as_text=True)
    # A choice renamed: the cached page shows the new name.
    browser_question = the_question_by_id(app, menu.id)
    with app.app_context():
        live = db.session.get(Question, browser_question.id)
        services.change_question(live, services.QuestionDetails(
            kind=QuestionKind.CHOICE, text="Menu", activity_id=dinner.id,
            choices=(services.ChoiceDetails("Salmon", id=fish),
                     services.ChoiceDetails("Vegetarian", id=veggie))),
            app.config["LANGUAGES"], live.event.owner)
        db.session.commit()
    assert "Salmon" in client.get(link).get_data(as_text=True)


def test_a_chosen_choice_is_retired_not_deleted_and_its_answers_stay_readable(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner)
    kari = make_invitation(event, make_contact(event.owner, name="Kari Nordmann"))
    fish, veggie = (c.id for c in menu.choices)
    client.submit(f"/r/{kari.token}", {f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
                                       f"question-{menu.id}-0": str(fish)})
    browser = log_in(event.owner)
    # Fish is left out, Beef added; the kind cannot change now.
    response = browser.submit(f"/events/{event.id}/questions/{menu.id}", {
        "kind": "text", "text": "Menu", "activity_id": str(dinner.id)})
    assert response.status_code == 422 and "kind cannot change" in response.get_data(
        as_text=True)
    response = browser.submit(f"/events/{event.id}/questions/{menu.id}", {
        "kind": "choice", "text": "Menu", "activity_id": str(dinner.id),
        "choices-0-id": str(veggie), "choices-0-text": "Vegetarian",
        "choices-1-text": "Beef"})
    assert response.status_code == 303
    with app.app_context():
        choices = {c.text: c for c in db.session.scalars(select(QuestionChoice))}
        assert choices["Fish"].retired_at is not None and choices["Beef"].retired_at is None
    new_guest = make_invitation(event, make_contact(event.owner))
    assert "Fish" not in client.get(f"/r/{new_guest.token}").get_data(as_text=True)
    assert f'<option value="{fish}" selected>Fish' in client.get(
        f"/r/{kari.token}").get_data(as_text=True), "kept by the guest who chose it"
    guests = browser.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "Menu: Fish" in guests
    kitchen = browser.get(f"/events/{event.id}/questions/kitchen").get_data(as_text=True)
    assert "<strong>Fish</strong>: 1" in kitchen and "<strong>Beef</strong>: 0" in kitchen
    # A choice nobody chose is deleted.
    browser.submit(f"/events/{event.id}/questions/{menu.id}", {
        "kind": "choice", "text": "Menu", "activity_id": str(dinner.id),
        "choices-0-id": str(veggie), "choices-0-text": "Vegetarian"})
    with app.app_context():
        assert sorted(db.session.scalars(select(QuestionChoice.text))) == ["Fish",
                                                                          "Vegetarian"]
    # Removing the question warns of its answer, then takes it.
    warning = browser.get(f"/events/{event.id}/questions/{menu.id}/remove").get_data(
        as_text=True)
    assert "1 answer has been given to this question." in warning
    assert browser.submit(f"/events/{event.id}/questions/{menu.id}/remove",
                          {"answers": "0"}).status_code == 303
    with app.app_context():
        assert db.session.query(Question).count() == 1, "answers came in: look again"
    browser.submit(f"/events/{event.id}/questions/{menu.id}/remove", {"answers": "1"})
    with app.app_context():
        assert db.session.query(Question).count() == 0
        assert db.session.query(QuestionAnswer).count() == 0


# --- reading the answers back ------------------------------------------------------------

def answered_dinner(app, client, make_organiser, make_event, make_activity, make_contact,
                    make_invitation):
    """Kari (fish, and Per vegetarian) and Ola (vegetarian) come to the dinner; Nina says
    yes without choosing; Kari wants a T-shirt in size "=1+1"."""
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner, ask_plus_ones=True)
    size = ask(app, event, "T-shirt size", "text")
    fish, veggie = (c.id for c in menu.choices)
    guests = {}
    for name, plus_one, answers in (
            ("Kari Nordmann", "Per", {f"question-{menu.id}-0": str(fish),
                                      f"question-{menu.id}-1": str(veggie),
                                      f"question-{size.id}-0": "=1+1"}),
            ("Ola Vik", "", {f"question-{menu.id}-0": str(veggie)}),
            ("Nina Berg", "", {})):
        invitation = make_invitation(event, make_contact(event.owner, name=name),
                                     plus_ones_allowed=1)
        assert client.submit(f"/r/{invitation.token}", {
            f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
            "plus_one_names-0": plus_one, **answers}).status_code == 303
        guests[name] = invitation
    return event, dinner, menu, size, guests


def test_the_kitchen_list_counts_each_choice_of_the_people_coming(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    event, dinner, menu, _, guests = answered_dinner(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation)
    with app.app_context():
        counts = services.choice_counts(db.session.get(type(dinner), dinner.id))
        assert [(c.question.text, [(line.label, line.count, line.mark) for line in c.lines],
                 c.not_answered) for c in counts] == [
            ("Menu", [("Fish", 1, ""), ("Vegetarian", 2, "V")], 1)]
    page = log_in(event.owner).get(f"/events/{event.id}/questions/kitchen")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<strong>Vegetarian</strong> (V): 2" in text and "Not answered: 1" in text


def test_answers_by_person_reads_every_answer_in_two_queries(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    from tests.conftest import statements_run
    event, _, menu, size, guests = answered_dinner(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation)
    kari, ola = guests["Kari Nordmann"].id, guests["Ola Vik"].id
    with statements_run(app) as statements, app.app_context():
        found = services.answers_by_person(db.session.merge(event, load=False))
        readable = {key: [(q.text, text) for q, text in answers]
                    for key, answers in found.items()}
    assert len(statements) == 2
    assert readable == {(kari, 0): [("Menu", "Fish"), ("T-shirt size", "=1+1")],
                        (kari, 1): [("Menu", "Vegetarian")],
                        (ola, 0): [("Menu", "Vegetarian")]}


def test_the_answers_export_has_a_column_per_question_and_no_formula(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    event, *_ = answered_dinner(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation)
    response = log_in(event.owner).get(f"/events/{event.id}/guests.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[-2:] == ["Menu", "T-shirt size"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_name["Kari Nordmann"]["Menu"] == "Fish; Per: Vegetarian"
    assert by_name["Kari Nordmann"]["T-shirt size"] == "'=1+1"
    assert by_name["Nina Berg"]["Menu"] == ""


def test_erasure_clears_text_answers_and_keeps_the_choices_for_the_counts(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    event, dinner, menu, size, guests = answered_dinner(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation)
    kari = guests["Kari Nordmann"]
    browser = log_in(event.owner)
    held = browser.get(f"/contacts/{kari.contact_id}/data.json").get_json()
    assert {"question": "T-shirt size", "answer": "=1+1", "for": "Kari Nordmann"} in \
        held["invitations"][0]["questions"]
    assert browser.submit(f"/contacts/{kari.contact_id}/erase").status_code == 302
    with app.app_context():
        assert stored_answers(app, kari.id) == {(menu.id, 0): (menu.choices[0].id, None, ""),
                                               (menu.id, 1): (menu.choices[1].id, None, "")}
        assert not db.session.scalars(select(ResponseChange).where(
            ResponseChange.invitation_id == kari.id,
            ResponseChange.new_value == "=1+1")).all()


def test_the_next_edition_asks_the_same_questions_without_the_answers(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    from eventplanner.events.models import Event
    event, dinner, menu, *_ = answered_dinner(
        app, client, make_organiser, make_event, make_activity, make_contact, make_invitation)
    browser = log_in(event.owner)
    response = browser.submit(f"/events/{event.id}/next-edition", {
        "title": "Next year", "first_day": f"{utcnow().year + 2}-10-01"})
    assert response.status_code == 302
    with app.app_context():
        edition = db.session.scalars(select(Event).where(Event.title == "Next year")).one()
        copied = services.questions_of(edition)
        assert [(q.text, q.activity.name if q.activity else None,
                 [c.text for c in q.choices]) for q in copied] == [
            ("Menu", "Dinner", ["Fish", "Vegetarian"]), ("T-shirt size", None, [])]
        assert db.session.query(QuestionAnswer).filter(
            QuestionAnswer.question_id.in_([q.id for q in copied])).count() == 0


@pytest.mark.settings(GUEST_PAGE_CACHE_SIZE=0)
def test_the_guest_page_reads_its_questions_in_two_queries_whatever_their_number(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    from tests.conftest import statements_run
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    kari = make_invitation(event, make_contact(event.owner))
    link = f"/r/{kari.token}"
    counts = []
    for number in (1, 6):
        while len(counts) < number:
            menu = ask(app, event, f"Menu {len(counts)}", activity=dinner, ask_plus_ones=True)
            counts.append(menu)
        client.submit(link, {f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
                             **{f"question-{q.id}-0": str(q.choices[0].id) for q in counts}})
        with statements_run(app) as statements:
            page = client.get(link).get_data(as_text=True)
        assert page.count("<select") == number
        counts_of_queries = len(statements)
        assert counts_of_queries == 7, counts_of_queries  # six, and the guest's answers


def test_odd_input_is_cleaned_or_refused_never_a_server_error(
        app, client, make_organiser, log_in, make_event, make_activity, make_contact,
        make_invitation):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    browser = log_in(event.owner)
    response = browser.submit(f"/events/{event.id}/questions/", menu_form(**{
        "text": "Me\x00nu", "choices-0-text": "Fi\x00sh", "choices-99999999999-text": "Far",
        "choices-0-text_xx": "ignored"}))
    assert response.status_code == 303
    menu = the_question(app)
    assert [c.text for c in menu.choices] == ["Fish", "Vegetarian", "Far"]
    size = ask(app, event, "T-shirt size", "text")
    kari = make_invitation(event, make_contact(event.owner))
    response = client.submit(f"/r/{kari.token}", {
        f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
        f"question-{menu.id}-0": str(menu.choices[0].id), f"question-{size.id}-0": "X\x00L",
        "question-abc-0": "1", f"question-{size.id}-5": "L"})
    assert response.status_code == 422  # a slot for a plus-one she may not bring
    response = client.submit(f"/r/{kari.token}", {
        f"part_{race.id}": "yes", f"part_{dinner.id}": "yes",
        f"question-{menu.id}-0": str(menu.choices[0].id), f"question-{size.id}-0": "X\x00L"})
    assert response.status_code == 303
    assert stored_answers(app, kari.id)[(size.id, 0)] == (None, None, "XL")
    for url in (f"/events/{event.id}/questions/99999999999999999999",
                f"/events/{event.id}/questions/0/remove"):
        assert browser.get(url).status_code == 404


def test_the_confirmation_email_tells_the_guest_their_answers_in_their_language(
        app, client, make_organiser, make_event, make_activity, make_contact,
        make_invitation, smtp_server, deliver_mail):
    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner, ask_plus_ones=True,
               translations={"nb": "Meny"})
    kari = make_invitation(event, make_contact(event.owner, email="kari@client.example",
                                               language="nb"), plus_ones_allowed=1)
    fish, veggie = (c.id for c in menu.choices)
    assert client.submit(f"/r/{kari.token}", {
        f"part_{race.id}": "yes", f"part_{dinner.id}": "yes", "plus_one_names-0": "Per",
        f"question-{menu.id}-0": str(fish), f"question-{menu.id}-1": str(veggie)}
    ).status_code == 303
    deliver_mail()
    [email] = smtp_server.to("kari@client.example")
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "Meny: Fisk" in text and "Meny (Per): Vegetar" in text
    assert "Meny (Per): <strong>Vegetar</strong>" in html


def test_two_organisers_adding_the_twentieth_question_at_once_add_one(
        app, make_organiser, make_event, make_activity):
    from eventplanner.errors import InvalidState
    from eventplanner.events.models import Event
    from tests.conftest import held_while
    event, *_ = dinner_event(make_organiser, make_event, make_activity)
    for number in range(services.MAX_QUESTIONS - 1):
        ask(app, event, f"Question {number}", "text")
    refused = []

    def add(text: str):
        def change() -> None:
            services.add_question(db.session.get(Event, event.id), services.QuestionDetails(
                QuestionKind.TEXT, text), app.config["LANGUAGES"], None)
        return change

    def second() -> None:
        with app.app_context():
            try:
                add("Second")()
                db.session.commit()
            except InvalidState:
                db.session.rollback()
                refused.append(True)

    held_while(app, add("First"), second)
    assert refused == [True]
    with app.app_context():
        assert db.session.query(Question).count() == services.MAX_QUESTIONS


def test_the_kitchen_list_counts_each_tables_menus(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation,
        log_in):
    from eventplanner.extensions import utcnow
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation
    from eventplanner.seating.services import add_tables, guest_key, seat_person

    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event, activity=dinner, ask_plus_ones=True)
    fish, vegetarian = (str(choice.id) for choice in menu.choices)
    kari = make_invitation(event, make_contact(event.owner, name="Kari"), plus_ones_allowed=1)
    ola = make_invitation(event, make_contact(event.owner, name="Ola"))
    with app.app_context():
        live_dinner = db.session.get(type(dinner), dinner.id)
        first, second = add_tables(live_dinner, live_dinner.event.owner, count=2, seats=4)
        for invitation, plus_ones, chosen in ((kari, ("Per",), {(menu.id, 0): vegetarian,
                                                                 (menu.id, 1): fish}),
                                              (ola, (), {(menu.id, 0): fish})):
            live = db.session.get(Invitation, invitation.id)
            respond_to_invitation(live, GuestAnswer({dinner.id: AnswerStatus.YES},
                                                    plus_one_names=plus_ones), utcnow())
            services.save_guest_answers(live, chosen, utcnow())
        owner = live_dinner.event.owner
        seat_person(live_dinner, guest_key(kari.id, 0), first.id, owner)
        seat_person(live_dinner, guest_key(kari.id, 1), first.id, owner)
        seat_person(live_dinner, guest_key(ola.id, 0), second.id, owner)
        db.session.commit()
    page = log_in(event.owner).get(f"/events/{event.id}/questions/kitchen").get_data(
        as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td></tr>',
                      page)
    assert rows == [("1", "1", "1"), ("2", "1", "0")], "Fish, Vegetarian per table"
    assert "Menu per table" in page


def test_a_choice_written_in_superscript_digits_is_refused_not_a_crash(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus
    from eventplanner.seating.services import add_tables

    event, race, dinner = dinner_event(make_organiser, make_event, make_activity)
    menu = ask(app, event)
    kari = make_invitation(event, make_contact(event.owner))
    with app.app_context():
        live = db.session.get(Invitation, kari.id)
        respond_to_invitation(live, GuestAnswer({dinner.id: AnswerStatus.YES}), utcnow())
        for value in ("²", "١٢", "x" * 50):
            with pytest.raises(services.UnknownChoice):
                services.save_guest_answers(live, {(menu.id, 0): value}, utcnow())
        live_dinner = db.session.get(type(dinner), dinner.id)
        add_tables(live_dinner, live_dinner.event.owner, name="²")
        [numbered] = add_tables(live_dinner, live_dinner.event.owner)
        assert numbered.name == "1", "a table named in superscript is not a number"
        db.session.rollback()

"""Goals on the guest's page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from eventplanner.extensions import db
from eventplanner.goals.models import Goal
from tests.conftest import activity_ids, held_while, next_year_at


@pytest.fixture
def event(make_organiser, make_event, make_activity):
    event = make_event(owner=make_organiser(), status="published", title="Stoltzen")
    make_activity(event, name="Stair race")
    make_activity(event, name="Dinner", kind="standard", starts_at=next_year_at(10, 1, 19))
    return event


@pytest.fixture
def parts(app, event):
    return activity_ids(app, event)


@pytest.fixture
def guest(client, event, parts, make_contact, make_invitation):
    invitation = make_invitation(event, make_contact(event.owner), send=True)
    client.submit(f"/r/{invitation.token}", {f"part_{parts[0]}": "yes",
                                             f"part_{parts[1]}": "yes",
                                             "dietary_needs": "", "message_to_host": ""})
    return invitation


def goal_token(client, token: str, activity_id: int) -> str:
    page = client.get(f"/r/{token}").get_data(as_text=True)
    pattern = rf'name="goal-{activity_id}-csrf_token" type="hidden" value="([^"]+)"'
    return re.search(pattern, page).group(1)


def post_goal(client, token, activity_id, **fields):
    prefix = f"goal-{activity_id}-"
    data = {prefix + "csrf_token": goal_token(client, token, activity_id),
            **{prefix + name: value for name, value in fields.items()}}
    return client.post(f"/r/{token}/goals/{activity_id}", data=data)


def test_a_racer_sets_a_goal_and_sees_it_on_their_page(app, client, guest, parts):
    response = post_goal(client, guest.token, parts[0], target="9:45", previous_best="10:05",
                         aim="Beat my colleague")
    assert response.status_code == 303
    page = client.get(f"/r/{guest.token}").get_data(as_text=True)
    assert "Your target: 9:45" in page and "Beat my colleague" in page
    assert "Your best time so far: 10:05" in page
    assert "Your goal: Dinner" not in page, "a dinner has no goal"
    with app.app_context():
        goal = db.session.scalar(select(Goal))
        assert (goal.target_seconds, goal.previous_best_seconds) == (585, 605)


@pytest.mark.parametrize("target, message", [
    ("9:61", "has 61 seconds"), ("abc", "Write the time as"), ("-1:00", "Write the time as")])
def test_an_impossible_target_is_explained_and_nothing_saved(app, client, guest, parts,
                                                             target, message):
    response = post_goal(client, guest.token, parts[0], target=target, aim="")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Goal)) is None


def test_a_guest_who_is_not_racing_cannot_set_a_goal(app, client, guest, parts):
    client.submit(f"/r/{guest.token}", {f"part_{parts[0]}": "no", f"part_{parts[1]}": "yes",
                                        "dietary_needs": "", "message_to_host": ""})
    page = client.get(f"/r/{guest.token}").get_data(as_text=True)
    assert "Your goal:" not in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/r/{guest.token}/goals/{parts[0]}", data={
        f"goal-{parts[0]}-csrf_token": token, f"goal-{parts[0]}-target": "9:00"})
    assert response.status_code == 422
    assert "Say yes to Stair race first" in response.get_data(as_text=True)


def test_a_goal_without_the_form_token_is_refused(app, client, guest, parts):
    response = client.post(f"/r/{guest.token}/goals/{parts[0]}",
                           data={f"goal-{parts[0]}-target": "9:00"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Goal)) is None


@pytest.fixture
def field(app, client, event, parts, make_contact, make_invitation):
    """Three racers who said yes, and one guest who only comes to dinner."""
    people = {}
    for name, race in (("Anna", "yes"), ("Bjørn", "yes"), ("Cecilie", "yes"),
                       ("Dag", "no")):
        invitation = make_invitation(event, make_contact(event.owner, name=name), send=True)
        client.submit(f"/r/{invitation.token}", {f"part_{parts[0]}": race,
                                                 f"part_{parts[1]}": "yes",
                                                 "dietary_needs": "", "message_to_host": ""})
        people[name] = invitation
    return people


def results_url(event, parts):
    return f"/events/{event.id}/parts/{parts[0]}/results"


def test_the_organiser_types_results_and_sees_the_ranking_and_chart(
        app, log_in, event, parts, field):
    organiser = log_in(event.owner)
    url = results_url(event, parts)
    page = organiser.get(url).get_data(as_text=True)
    assert "Anna" in page and "Dag" not in page, "only those racing are listed"
    assert page.count("autofocus") == 1
    response = organiser.submit(url, {
        f"time-{field['Anna'].id}": "9:30", f"status-{field['Anna'].id}": "finished",
        f"time-{field['Bjørn'].id}": "9:10", f"status-{field['Bjørn'].id}": "finished",
        f"time-{field['Cecilie'].id}": "", f"status-{field['Cecilie'].id}": "dnf"})
    assert response.status_code == 303
    page = organiser.get(url).get_data(as_text=True)
    assert page.index("Bjørn") < page.index("Anna") < page.index("Cecilie")
    assert "<svg" in page and "<circle" in page
    assert "First time" in page


def test_a_results_sheet_with_a_bad_line_saves_nothing(app, log_in, event, parts, field):
    from eventplanner.goals.models import Result

    organiser = log_in(event.owner)
    response = organiser.submit(results_url(event, parts), {
        f"time-{field['Anna'].id}": "9:30", f"status-{field['Anna'].id}": "finished",
        f"time-{field['Bjørn'].id}": "9:61", f"status-{field['Bjørn'].id}": "finished",
        f"time-{field['Dag'].id}": "9:00", f"status-{field['Dag'].id}": "finished"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "has 61 seconds" in page and "has not joined this part" in page
    with app.app_context():
        assert db.session.scalar(select(Result)) is None


def test_guests_see_results_only_once_published_and_names_only_if_allowed(
        app, client, log_in, event, parts, field):
    organiser = log_in(event.owner)
    organiser.submit(results_url(event, parts), {
        f"time-{field['Anna'].id}": "9:30", f"time-{field['Bjørn'].id}": "9:10"})
    anna_link = f"/r/{field['Anna'].token}"
    assert "Results: Stair race" not in client.get(anna_link).get_data(as_text=True)

    organiser.submit(f"/events/{event.id}/results/publish", {"activity_id": str(parts[0])})
    page = client.get(anna_link).get_data(as_text=True)
    assert "Results: Stair race" in page and "9:10" in page
    assert "Bjørn" not in page, "names hidden unless the organiser allows them"

    organiser.submit(f"/events/{event.id}/results/withdraw")
    organiser.submit(f"/events/{event.id}/results/publish", {"show_names": "y"})
    assert "Bjørn" in client.get(anna_link).get_data(as_text=True)


def test_a_dinner_has_no_results_page(log_in, event, parts):
    organiser = log_in(event.owner)
    assert organiser.get(f"/events/{event.id}/parts/{parts[1]}/results").status_code == 404


def test_the_organiser_reads_goals_with_history_and_leaves_a_comment_the_guest_sees(
        app, client, log_in, make_event, make_activity, make_contact, make_invitation):
    from eventplanner.goals import services as goals
    from eventplanner.goals.models import ResultStatus
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    last_year = make_event(status="published", title="Stoltzen last year",
                           series_name="Stoltzen")
    owner = last_year.owner
    this_year = make_event(owner=owner, status="published", title="Stoltzen",
                           series_name="Stoltzen")
    old_race = make_activity(last_year, name="Stair race", starts_at=next_year_at(1, 10, 12))
    race = make_activity(this_year, name="Stair race", starts_at=next_year_at(10, 1, 16))
    kari = make_contact(owner, name="Kari")
    before = make_invitation(last_year, kari)
    now_invited = make_invitation(this_year, kari, send=True)
    with app.app_context():
        old = db.session.get(Invitation, before.id)
        respond_to_invitation(old, GuestAnswer({old_race.id: AnswerStatus.YES}),
                              old.created_at, changed_by="organiser")
        goals.record_result(db.session.merge(old_race), old, ResultStatus.FINISHED, "9:58")
        current = db.session.get(Invitation, now_invited.id)
        respond_to_invitation(current, GuestAnswer({race.id: AnswerStatus.YES}),
                              current.created_at, changed_by="organiser")
        goal = goals.set_goal(current, db.session.merge(race), "9:30", "", "Sub 9:30")
        db.session.commit()
        goal_id = goal.id
    organiser = log_in(owner)
    page = organiser.get(f"/events/{this_year.id}/parts/{race.id}/goals").get_data(
        as_text=True)
    assert "9:30" in page and "Sub 9:30" in page and ": 9:58" in page
    organiser.submit(f"/events/{this_year.id}/parts/{race.id}/goals/{goal_id}/comment",
                     {"comment": "I will be waiting at the top!"})
    guest_page = client.get(f"/r/{now_invited.token}").get_data(as_text=True)
    assert "From the host: I will be waiting at the top!" in guest_page
    assert "Your best time so far: 9:58" in guest_page


def test_after_publishing_each_participant_gets_their_result_once_by_email(
        app, client, log_in, event, parts, field, smtp_server, deliver_mail):
    organiser = log_in(event.owner)
    url = results_url(event, parts)
    organiser.submit(url, {f"time-{field['Anna'].id}": "9:30",
                           f"time-{field['Bjørn'].id}": "9:10",
                           f"time-{field['Cecilie'].id}": "", f"status-{field['Cecilie'].id}":
                           "dns"})
    refused = organiser.submit(f"{url}/email", follow_redirects=True)
    assert "Publish the results before emailing them." in refused.get_data(as_text=True)
    organiser.submit(f"/events/{event.id}/results/publish", {"show_names": "y"})
    organiser.submit(f"{url}/email")
    organiser.submit(f"{url}/email")  # a second click sends nothing more
    deliver_mail()
    results = [m for m in smtp_server.messages if m["Subject"] == "Your result: Stair race"]
    assert len(results) == 3
    anna = next(m for m in results if "Anna" in m["To"])
    text = anna.get_body(("plain",)).get_content()
    assert "Your time: 9:30 (number 2)" in text
    cecilie = next(m for m in results if "Cecilie" in m["To"])
    assert "You did not start this time." in cecilie.get_body(("plain",)).get_content()


def test_each_timed_part_emails_its_own_results(
        app, client, log_in, make_organiser, make_event, make_activity, make_contact,
        make_invitation, smtp_server, deliver_mail):
    """Emailed for the first race, a participant still gets the second race's result."""
    event = make_event(owner=make_organiser(), status="published", title="Race day")
    make_activity(event, name="Stair race", starts_at=next_year_at(10, 1, 12))
    make_activity(event, name="Sprint", starts_at=next_year_at(10, 1, 15))
    stairs, sprint = activity_ids(app, event)
    anna = make_invitation(event, make_contact(event.owner, name="Anna"), send=True)
    client.submit(f"/r/{anna.token}", {f"part_{stairs}": "yes", f"part_{sprint}": "yes",
                                       "dietary_needs": "", "message_to_host": ""})
    organiser = log_in(event.owner)
    for part, time in ((stairs, "9:30"), (sprint, "0:41")):
        organiser.submit(f"/events/{event.id}/parts/{part}/results",
                         {f"time-{anna.id}": time})
    organiser.submit(f"/events/{event.id}/results/publish", {"show_names": "y"})
    for part in (stairs, sprint, sprint):  # the second click on a part sends nothing more
        organiser.submit(f"/events/{event.id}/parts/{part}/results/email")
    deliver_mail()
    assert sorted(m["Subject"] for m in smtp_server.to("Anna")
                  if m["Subject"].startswith("Your result")) == [
        "Your result: Sprint", "Your result: Stair race"]


def test_two_clicks_at_the_same_moment_email_each_result_once(app, log_in, event, parts,
                                                              field):
    from eventplanner.events.models import Activity
    from eventplanner.extensions import utcnow
    from eventplanner.goals.services import email_results
    from eventplanner.mail.models import Message

    organiser = log_in(event.owner)
    organiser.submit(results_url(event, parts), {f"time-{field['Anna'].id}": "9:30",
                                                 f"time-{field['Bjørn'].id}": "9:10"})
    organiser.submit(f"/events/{event.id}/results/publish", {"show_names": "y"})

    def click() -> None:
        email_results(db.session.get(Activity, parts[0]), utcnow())

    def click_again() -> None:
        with app.app_context():
            click()
            db.session.commit()

    held_while(app, click, click_again)
    with app.app_context():
        assert len(db.session.scalars(select(Message).where(Message.kind == "results")).all()) \
            == 2


def upload_results(organiser, event, parts, content: str):
    import io

    return organiser.submit(f"{results_url(event, parts)}/import",
                            {"file": (io.BytesIO(content.encode("utf-8-sig")), "timing.csv")},
                            content_type="multipart/form-data")


def test_results_from_a_timing_system_are_previewed_then_saved(
        app, log_in, event, parts, field):
    from eventplanner.goals.models import Result

    organiser = log_in(event.owner)
    preview = upload_results(organiser, event, parts,
                             "Navn;Tid\nAnna;9:30\nbjørn;9:10\nCecilie;DNF\n")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Save 3 results" in page
    with app.app_context():
        assert db.session.scalar(select(Result)) is None, "nothing before confirming"
    key = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    organiser.submit(f"{results_url(event, parts)}/import/confirm", {"upload": key})
    with app.app_context():
        saved = {r.invitation.contact.name: (r.status.value, r.time_seconds)
                 for r in db.session.scalars(select(Result))}
    assert saved == {"Anna": ("finished", 570), "Bjørn": ("finished", 550),
                     "Cecilie": ("dnf", None)}


def test_a_row_that_matches_no_one_or_two_people_blocks_the_import(
        app, log_in, event, parts, field, make_contact, make_invitation, client):
    from eventplanner.goals.models import Result

    twin = make_invitation(event, make_contact(event.owner, name="Anna"), send=True)
    client.submit(f"/r/{twin.token}", {f"part_{parts[0]}": "yes", f"part_{parts[1]}": "no",
                                       "dietary_needs": "", "message_to_host": ""})
    organiser = log_in(event.owner)
    page = upload_results(organiser, event, parts,
                          "name,time\nAnna,9:30\nNobody,9:00\nBjørn,9:61\n").get_data(
        as_text=True)
    assert "2 participants are called Anna: add their email." in page
    assert "No participant is called Nobody." in page
    assert "has 61 seconds" in page
    assert "Save " not in page
    with app.app_context():
        assert db.session.scalar(select(Result)) is None


def test_a_co_organiser_of_this_years_race_sees_nothing_from_the_owners_earlier_editions(
        app, client, log_in, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    """Best before, the series over the years and the earlier editions on the goals page
    come only from editions the viewer may open."""
    from eventplanner.goals import services as goals
    from eventplanner.goals.models import ResultStatus
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    owner, colleague = make_organiser(), make_organiser()
    last_year = make_event(owner=owner, status="published", title="Private Stoltzen",
                           series_name="Stoltzen")
    this_year = make_event(owner=owner, status="published", title="Stoltzen",
                           series_name="Stoltzen")
    old_race = make_activity(last_year, name="Stair race", starts_at=next_year_at(1, 10, 12))
    race = make_activity(this_year, name="Stair race", starts_at=next_year_at(10, 1, 16))
    kari = make_contact(owner, name="Kari")
    invitations = make_invitation(last_year, kari), make_invitation(this_year, kari)
    with app.app_context():
        for invitation, part, time in zip(invitations, (old_race, race), ("9:58", "9:30"),
                                          strict=True):
            live = db.session.get(Invitation, invitation.id)
            respond_to_invitation(live, GuestAnswer({part.id: AnswerStatus.YES}),
                                  live.created_at, changed_by="organiser")
            goals.record_result(db.session.merge(part), live, ResultStatus.FINISHED, time)
        db.session.commit()
    log_in(owner).submit(f"/events/{this_year.id}/co-organisers", {"email": colleague.email})
    pages = (f"/events/{this_year.id}/parts/{race.id}/results",
             f"/events/{this_year.id}/parts/{race.id}/goals")

    for page in map(log_in(owner).get, pages):
        assert "9:58" in page.get_data(as_text=True)
    assert "Private Stoltzen" in log_in(owner).get(pages[0]).get_data(as_text=True)
    for page in map(log_in(colleague).get, pages):
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Kari" in text
        assert "9:58" not in text and "Private Stoltzen" not in text
        assert "First time" in text


class SheetForm(HTMLParser):
    """What a browser sends for the results sheet as it is shown: each time input's value
    and each status select's selected option (the first one when none is selected)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inputs: dict[str, dict[str, str | None]] = {}
        self._select: str | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name") or ""
        if tag == "input" and name.startswith(("time-", "csrf_token")):
            self.fields[name] = attributes.get("value") or ""
            self.inputs[name] = attributes
        elif tag == "select" and name.startswith("status-"):
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in attributes:
                self.fields[self._select] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def test_a_time_typed_in_one_line_is_saved_and_the_empty_lines_are_skipped(
        app, log_in, event, parts, field):
    from eventplanner.goals.models import Result

    organiser = log_in(event.owner)
    url = results_url(event, parts)
    sheet = SheetForm(organiser.get(url).get_data(as_text=True))
    [focused] = [name for name, input in sheet.inputs.items() if "autofocus" in input]
    assert focused == f"time-{field['Anna'].id}"
    response = organiser.post(url, data={**sheet.fields, focused: "9:41"})
    assert response.status_code == 303, "the empty lines stopped the sheet"
    with app.app_context():
        [result] = db.session.scalars(select(Result))
        assert (result.invitation_id, result.time_seconds) == (field["Anna"].id, 581)

    sheet = SheetForm(organiser.get(url).get_data(as_text=True))
    [focused] = [name for name, input in sheet.inputs.items() if "autofocus" in input]
    assert focused == f"time-{field['Bjørn'].id}", "the next empty line waits for a time"


def test_a_rejected_sheet_puts_the_cursor_on_the_line_in_error_and_ties_the_error_to_it(
        app, log_in, event, parts, field):
    organiser = log_in(event.owner)
    url = results_url(event, parts)
    sheet = SheetForm(organiser.get(url).get_data(as_text=True))
    bjørn = f"time-{field['Bjørn'].id}"
    response = organiser.post(url, data={**sheet.fields, bjørn: "9:71"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    inputs = SheetForm(page).inputs
    assert [name for name, input in inputs.items() if "autofocus" in input] == [bjørn]
    assert [name for name, input in inputs.items() if input.get("aria-invalid")] == [bjørn]
    error_id = inputs[bjørn]["aria-describedby"]
    assert re.search(rf'<p class="error" id="{error_id}">[^<]*71 seconds', page)


def speaks_norwegian(app, organiser) -> None:
    from eventplanner.auth.models import Organiser

    with app.app_context():
        db.session.get(Organiser, organiser.id).language = "nb"
        db.session.commit()


@pytest.mark.parametrize("line, message", [
    ({"status": "won"}, "Ikke et gyldig valg."),
    ({"time": "9:" + "0" * 100}, "Feltet kan ikke være lengre enn 20 tegn."),
])
def test_a_results_sheet_no_page_sends_is_refused_line_by_line_in_the_organisers_language(
        app, log_in, event, parts, field, line, message):
    from eventplanner.goals.models import Result

    speaks_norwegian(app, event.owner)
    anna, bjørn = field["Anna"].id, field["Bjørn"].id
    response = log_in(event.owner).submit(results_url(event, parts), {
        f"time-{bjørn}": "9:10", f"status-{bjørn}": "finished",
        **{f"{name}-{anna}": value for name, value in line.items()}})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error" id="time-{anna}-error">{message}</p>' in page
    assert f'id="time-{bjørn}-error"' not in page, "only the wrong line is marked"
    assert "Noen resultater kunne ikke leses" in page
    with app.app_context():
        assert db.session.scalar(select(Result)) is None


def test_publishing_reads_its_form_and_refuses_what_no_page_sends(
        app, client, log_in, event, parts, field):
    organiser = log_in(event.owner)
    results_page = organiser.get(results_url(event, parts)).get_data(as_text=True)
    assert '<input checked id="show_names" name="show_names" type="checkbox" value="y">' in (
        results_page)
    assert f'name="activity_id" type="hidden" value="{parts[0]}"' in results_page
    speaks_norwegian(app, event.owner)
    refused = organiser.submit(f"/events/{event.id}/results/publish",
                               {"activity_id": "the race", "show_names": "y"})
    assert refused.status_code == 400
    assert "Ikke et gyldig heltall." in refused.get_data(as_text=True)
    assert "Results: Stair race" not in client.get(f"/r/{field['Anna'].token}").get_data(
        as_text=True), "nothing was published"

    published = organiser.submit(f"/events/{event.id}/results/publish",
                                 {"activity_id": str(parts[0])})
    assert published.headers["Location"].endswith(results_url(event, parts))
    with app.app_context():
        from eventplanner.events.models import Event

        saved = db.session.get(Event, event.id)
        assert saved.results_published_at is not None and not saved.results_show_names


def test_a_goal_comment_too_long_is_refused_and_a_fitting_one_saved(
        app, log_in, client, guest, event, parts):
    post_goal(client, guest.token, parts[0], target="9:45", aim="")
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id))
    organiser = log_in(event.owner)
    url = f"/events/{event.id}/parts/{parts[0]}/goals/{goal_id}/comment"
    refused = organiser.submit(url, {"comment": "x" * 1001})
    assert refused.status_code == 422
    assert "Field cannot be longer than 1000 characters." in refused.get_data(as_text=True)
    assert organiser.submit(url, {"comment": "See you at the top"}).status_code == 302
    assert organiser.submit(url.replace(f"/goals/{goal_id}/", f"/goals/{goal_id + 1}/"), {
        "comment": "Nobody's goal"}).status_code == 404
    with app.app_context():
        assert db.session.get(Goal, goal_id).organiser_comment == "See you at the top"

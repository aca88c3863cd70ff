"""Goals, results, personal bests over a series' editions, and rankings."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from eventplanner.events import services as events
from eventplanner.events.models import ActivityKind, EventSeries, EventStatus
from eventplanner.extensions import db, utcnow
from eventplanner.goals import services as goals
from eventplanner.goals.models import Result, ResultStatus
from eventplanner.goals.times import BadTime
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.models import AnswerStatus

FINISHED, DNF, DNS = ResultStatus.FINISHED, ResultStatus.DNF, ResultStatus.DNS


@pytest.fixture
def organiser(app_ctx, make_organiser):
    return make_organiser()


@pytest.fixture
def series(organiser):
    series = EventSeries(workspace_id=organiser.workspace_id, name="Stoltzen")
    db.session.add(series)
    db.session.flush()
    return series


def edition(organiser, series, year: int, kind=ActivityKind.TIMED):
    event = events.create_event(organiser, events.EventDetails(
        title=f"Stoltzen {year}", timezone="Europe/Oslo", status=EventStatus.PUBLISHED))
    event.series_id = series.id if series else None
    race = events.add_activity(event, events.ActivityDetails(
        name="Stair race", kind=kind, starts_at=datetime(year, 10, 1, 16),
        ends_at=datetime(year, 10, 1, 17)))
    return race


def racers(race, contacts, answer=AnswerStatus.YES):
    event = race.event
    report = invite_contacts(event, event.owner, [c.id for c in contacts], 0, send=False,
                             now=utcnow())
    for invitation in report.invited:
        respond_to_invitation(invitation, GuestAnswer({race.id: answer}), utcnow(),
                              changed_by="organiser")
    return {i.contact_id: i for i in report.invited}


def test_a_personal_best_is_judged_against_every_earlier_edition(
        organiser, series, make_contact):
    kari = make_contact(organiser, name="Kari")
    times = {2024: "10:00", 2025: "9:30", 2026: "9:45"}
    lines = {}
    for year, time in times.items():
        race = edition(organiser, series, year)
        invitation = racers(race, [kari])[kari.id]
        goals.record_result(race, invitation, FINISHED, time)
        [lines[year]] = goals.standings(race, organiser)
    assert (lines[2024].first_time, lines[2024].personal_best) == (True, False)
    assert (lines[2025].previous_best, lines[2025].personal_best) == (600, True)
    assert (lines[2026].previous_best, lines[2026].personal_best) == (570, False)


def test_another_organisers_earlier_results_stay_hidden(organiser, series, make_organiser,
                                                        make_contact):
    """A co-organiser of this year's race only sees the editions they may open: the owner's
    earlier results give them no best time before, and nobody reads without being named."""
    kari = make_contact(organiser, name="Kari")
    last_year = edition(organiser, series, 2025)
    goals.record_result(last_year, racers(last_year, [kari])[kari.id], FINISHED, "9:58")
    race = edition(organiser, series, 2026)
    goals.record_result(race, racers(race, [kari])[kari.id], FINISHED, "9:30")
    colleague = make_organiser()
    events.add_co_organiser(race.event, organiser, colleague.email)

    [owners_line] = goals.standings(race, organiser)
    [colleagues_line] = goals.standings(race, colleague)
    assert (owners_line.previous_best, owners_line.personal_best) == (598, True)
    assert (colleagues_line.previous_best, colleagues_line.first_time) == (None, True)
    assert goals.earlier_bests(race, [kari.id], colleague) == {}
    assert goals.earlier_bests(race, [kari.id], goals.GUESTS) == {kari.id: 598}
    with pytest.raises(TypeError):
        goals.standings(race)  # the viewer is never left out
    with pytest.raises(AttributeError):
        goals.earlier_bests(race, [kari.id], None)  # nor passed as nobody


def test_without_history_the_best_the_guest_told_us_counts(organiser, make_contact):
    race = edition(organiser, None, 2026)
    kari = make_contact(organiser)
    invitation = racers(race, [kari])[kari.id]
    goals.set_goal(invitation, race, "9:40", "9:50", "beat my colleague")
    goals.record_result(race, invitation, FINISHED, "9:45")
    [line] = goals.standings(race, organiser)
    assert (line.previous_best, line.personal_best) == (590, True)
    assert (line.goal_difference, line.goal_met) == (5, False)
    assert line.goal.aim == "beat my colleague"


def test_goal_met_when_at_or_under_the_target(organiser, make_contact):
    race = edition(organiser, None, 2026)
    fast, exact = make_contact(organiser), make_contact(organiser)
    people = racers(race, [fast, exact])
    for contact, result in ((fast, "9:35"), (exact, "9:40")):
        goals.set_goal(people[contact.id], race, "9:40", "", "")
        goals.record_result(race, people[contact.id], FINISHED, result)
    by_contact = {s.invitation.contact_id: s for s in goals.standings(race, organiser)}
    assert (by_contact[fast.id].goal_difference, by_contact[fast.id].goal_met) == (-5, True)
    assert (by_contact[exact.id].goal_difference, by_contact[exact.id].goal_met) == (0, True)


def test_equal_times_share_a_rank_and_non_finishers_come_last(organiser, make_contact):
    race = edition(organiser, None, 2026)
    names = ["Anna", "Bjørn", "Cecilie", "Dag", "Eirik", "Frida", "Geir"]
    contacts = {name: make_contact(organiser, name=name) for name in names}
    people = racers(race, contacts.values())
    outcome = {"Anna": (FINISHED, "9:00"), "Bjørn": (FINISHED, "9:30"),
               "Cecilie": (FINISHED, "9:30"), "Dag": (FINISHED, "10:00"),
               "Eirik": (DNF, ""), "Frida": (DNS, "")}
    for name, (status, time) in outcome.items():
        goals.record_result(race, people[contacts[name].id], status, time)
    table = [(s.invitation.contact.name, s.rank)
             for s in goals.standings(race, organiser)]
    assert table == [("Anna", 1), ("Bjørn", 2), ("Cecilie", 2), ("Dag", 4),
                     ("Eirik", None), ("Frida", None), ("Geir", None)]


def test_a_result_for_someone_who_did_not_join_is_refused(organiser, make_contact):
    race = edition(organiser, None, 2026)
    declined = make_contact(organiser, name="Ola")
    invitation = racers(race, [declined], answer=AnswerStatus.NO)[declined.id]
    with pytest.raises(goals.NotAParticipant, match="Ola has not joined Stair race"):
        goals.record_result(race, invitation, FINISHED, "9:00")
    with pytest.raises(goals.NotAParticipant):
        goals.set_goal(invitation, race, "9:00", "", "")
    assert db.session.scalar(select(func.count()).select_from(Result)) == 0


@pytest.mark.parametrize("time", ["9:61", "-1:00", "abc", ""])
def test_a_bad_result_time_is_refused_and_nothing_saved(organiser, make_contact, time):
    race = edition(organiser, None, 2026)
    kari = make_contact(organiser)
    invitation = racers(race, [kari])[kari.id]
    with pytest.raises(BadTime):
        goals.record_result(race, invitation, FINISHED, time)
    assert db.session.scalar(select(func.count()).select_from(Result)) == 0


def test_a_dinner_has_no_goals_or_results(organiser, make_contact):
    dinner = edition(organiser, None, 2026, kind=ActivityKind.STANDARD)
    kari = make_contact(organiser)
    invitation = racers(dinner, [kari])[kari.id]
    with pytest.raises(goals.NotTimed):
        goals.set_goal(invitation, dinner, "9:00", "", "")
    with pytest.raises(goals.NotTimed):
        goals.standings(dinner, organiser)


def test_results_emailed_before_the_upgrade_are_not_emailed_again(tmp_path):
    """Migration 0016 marks a result as emailed when its guest had the results email that
    names its part, and leaves the other part's result to be emailed."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import app_for

    app = app_for(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0010")
        moment = "'2026-01-01 00:00:00'"
        for statement in (
            f"INSERT INTO organiser (id, name, email, password_hash, language, created_at) "
            f"VALUES (1, 'A', 'a@example.com', 'x', 'en', {moment})",
            "INSERT INTO event (id, owner_id, title, description, timezone, status, "
            "default_language, host_name, host_email, host_phone, results_show_names, "
            "feedback_question, feedback_question_is_rating, check_in_used, created_at, "
            f"updated_at) VALUES (1, 1, 'E', '', 'UTC', 'published', 'en', '', '', '', TRUE, "
            f"'', FALSE, FALSE, {moment}, {moment})",
            "INSERT INTO activity (id, event_id, name, kind, starts_at, ends_at, place_name, "
            "address, map_url, notes, sequence) VALUES "
            "(1, 1, 'Stair race', 'timed', '2026-10-01 14:00:00', '2026-10-01 15:00:00', "
            "'', '', '', '', 0), (2, 1, 'Sprint', 'timed', '2026-10-01 16:00:00', "
            "'2026-10-01 17:00:00', '', '', '', '', 0)",
            "INSERT INTO contact (id, organiser_id, name, email, phone, language, "
            "dietary_notes, notes, created_at, updated_at) VALUES (1, 1, 'G', "
            f"'g@example.com', '', '', '', '', {moment}, {moment})",
            "INSERT INTO invitation (id, event_id, contact_id, plus_ones_allowed, token_nonce, "
            "language, plus_one_names, dietary_needs, message_to_host, created_at, "
            f"updated_at) VALUES (1, 1, 1, 0, 'n', '', '[]', '', '', {moment}, {moment})",
            "INSERT INTO result (id, invitation_id, activity_id, status, time_seconds, "
            f"recorded_at) VALUES (1, 1, 1, 'finished', 570, {moment}), "
            f"(2, 1, 2, 'finished', 41, {moment})",
            "INSERT INTO message (id, event_id, invitation_id, kind, recipient, "
            "recipient_name, reply_to, subject, body_text, body_html, status, attempts, "
            "next_attempt_at, last_error, created_at) VALUES (1, 1, 1, 'results', "
            "'g@example.com', 'G', '', 'Dein Ergebnis: Stair race', '', '', 'sent', 1, "
            f"{moment}, '', '2026-10-02 09:00:00')",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        emailed = dict(db.session.execute(text("SELECT activity_id, emailed_at FROM result")).all())
        assert emailed[1] is not None and emailed[1].startswith("2026-10-02 09:00")
        assert emailed[2] is None
        db.engine.dispose()

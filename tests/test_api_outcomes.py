"""Goals, results and feedback through the API: results recorded and read with rank, goal
met and personal best across a series' editions, publishing them, and the guests' scores,
stars and comments with the NPS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventplanner.events.models import Activity
from eventplanner.extensions import db, utcnow
from eventplanner.goals.services import set_goal
from eventplanner.invitations.models import Invitation
from tests.conftest import bearer
from tests.test_api_events import EVENTS, add_part, make_event, moment
from tests.test_api_guests import answer, invite


@pytest.fixture
def owner(make_organiser):
    return make_organiser()


@pytest.fixture
def token(make_api_token, owner):
    return bearer(make_api_token(owner=owner))


def race(client, token, days: int) -> tuple[dict, dict]:
    """A published edition of the Stoltzen series with a timed part ``days`` from now."""
    event = make_event(client, token, status="published", series="Stoltzen",
                       title=f"Stoltzen {days}")
    part = add_part(client, token, event["id"], name="Stair race", kind="timed",
                    starts_at=moment(days, 9), ends_at=moment(days, 11))
    return event, part


def racers(client, token, event: dict, part: dict, contact_ids: list[int]) -> list[dict]:
    made = invite(client, token, event["id"], contact_ids).get_json()["invited"]
    for invitation in made:
        assert answer(client, token, event["id"], invitation["id"],
                      {part["id"]: "yes"}).status_code == 200
    return sorted(made, key=lambda invitation: contact_ids.index(invitation["contact_id"]))


def result_url(event: dict, part: dict, invitation: dict) -> str:
    return f"{EVENTS}/{event['id']}/parts/{part['id']}/results/{invitation['id']}"


def test_results_are_recorded_and_read_with_rank_goal_and_personal_best(
        app, client, token, owner, make_contact):
    anna, per = make_contact(owner, name="Anna"), make_contact(owner, name="Per")
    last_year, last_race = race(client, token, -300)
    (anna_then,) = racers(client, token, last_year, last_race, [anna.id])
    assert client.put(result_url(last_year, last_race, anna_then), json={"time": "10:00"},
                      headers=token).status_code == 200

    event, part = race(client, token, 60)
    anna_now, per_now = racers(client, token, event, part, [anna.id, per.id])
    with app.app_context():
        set_goal(db.session.get(Invitation, anna_now["id"]),
                 db.session.get(Activity, part["id"]), "9:45", "", "Beat Per")
        db.session.commit()

    recorded = client.put(result_url(event, part, anna_now), json={"time": "9:30"},
                          headers=token)
    assert recorded.status_code == 200, recorded.get_json()
    line = recorded.get_json()
    assert (line["time_seconds"], line["time"], line["rank"]) == (570, "9:30", 1)
    assert (line["goal_met"], line["goal_difference_seconds"]) == (True, -15)
    assert (line["previous_best_seconds"], line["personal_best"]) == (600, True)
    assert client.put(result_url(event, part, per_now), json={"time_seconds": 600},
                      headers=token).get_json()["first_time"] is True

    results = client.get(f"{EVENTS}/{event['id']}/parts/{part['id']}/results",
                         headers=token).get_json()
    assert [(r["contact_name"], r["rank"], r["time"]) for r in results["data"]] == [
        ("Anna", 1, "9:30"), ("Per", 2, "10:00")]
    assert results["published_at"] is None
    goals = client.get(f"{EVENTS}/{event['id']}/parts/{part['id']}/goals",
                       headers=token).get_json()["data"]
    assert [(g["contact_name"], g["target"], g["previous_best"], g["aim"])
            for g in goals] == [("Anna", "9:45", "10:00", "Beat Per"),
                                ("Per", None, None, "")]

    dnf = client.put(result_url(event, part, per_now), json={"status": "dnf"}, headers=token)
    assert dnf.get_json()["status"] == "dnf" and dnf.get_json()["rank"] is None

    published = client.post(f"{EVENTS}/{event['id']}/results/publication",
                            json={"show_names": False}, headers=token)
    assert published.status_code == 200 and published.get_json()["results_published_at"]
    assert published.get_json()["results_show_names"] is False
    assert client.delete(f"{EVENTS}/{event['id']}/results/publication",
                         headers=token).status_code == 204


def test_a_result_is_refused_for_a_part_that_is_not_timed_or_a_guest_who_is_not_in_it(
        client, token, owner, make_contact):
    event = make_event(client, token, status="published")
    dinner = add_part(client, token, event["id"], kind="standard")
    race_part = add_part(client, token, event["id"], name="Race", kind="timed")
    (guest,) = racers(client, token, event, dinner, [make_contact(owner).id])
    not_timed = client.put(result_url(event, dinner, guest), json={"time": "9:30"},
                           headers=token)
    assert not_timed.status_code == 409
    assert not_timed.mimetype == "application/problem+json"
    assert client.get(f"{EVENTS}/{event['id']}/parts/{dinner['id']}/results",
                      headers=token).status_code == 409
    not_racing = client.put(result_url(event, race_part, guest), json={"time": "9:30"},
                            headers=token)
    assert not_racing.status_code == 422


@pytest.mark.parametrize(("body", "field"), [
    ({"time": "9:61"}, "time"),
    ({}, "time"),
    ({"time": "9:30", "time_seconds": 570}, "time"),
    ({"status": "dns", "time": "9:30"}, "time"),
    ({"time_seconds": "570"}, "time_seconds"),
    ({"time_seconds": 10**9}, "time_seconds"),
    ({"status": "won", "time": "9:30"}, "status"),
    ({"time": "9:30", "place": 1}, "place"),
])
def test_wrong_results_are_a_problem_per_field(client, token, owner, make_contact, body,
                                               field):
    event, part = race(client, token, 30)
    (guest,) = racers(client, token, event, part, [make_contact(owner).id])
    response = client.put(result_url(event, part, guest), json=body, headers=token)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_feedback_is_listed_with_scores_and_summed_up(app, client, token, owner,
                                                      make_event, make_activity,
                                                      make_contact, make_guest_who_came):
    event = make_event(owner, status="published")
    start = (utcnow() - timedelta(days=2)).replace(tzinfo=None, hour=12, minute=0, second=0,
                                                   microsecond=0)  # on the event's clock
    dinner = make_activity(event, name="Dinner", kind="standard", starts_at=start,
                           ends_at=start + timedelta(hours=3))
    fan = make_guest_who_came(event, make_contact(owner), score=10, ratings={dinner.id: 5},
                              did_well="The view")
    critic = make_guest_who_came(event, make_contact(owner), score=5,
                                 ratings={dinner.id: 2}, do_better="Warmer soup")
    make_guest_who_came(event, make_contact(owner))  # came, gave no feedback
    listed = client.get(f"{EVENTS}/{event.id}/feedback", headers=token).get_json()["data"]
    assert [(f["invitation_id"], f["score"], f["nps_group"], f["ratings"])
            for f in listed] == [
        (fan.id, 10, "promoter", [{"part_id": dinner.id, "stars": 5}]),
        (critic.id, 5, "detractor", [{"part_id": dinner.id, "stars": 2}])]
    assert listed[0]["did_well"] == "The view" and listed[1]["do_better"] == "Warmer soup"
    summary = client.get(f"{EVENTS}/{event.id}/feedback/summary", headers=token).get_json()
    assert summary["nps"] == {"score": 0, "promoters": 1, "passives": 0, "detractors": 1,
                              "answers": 2}
    assert summary["parts"] == [{"part_id": dinner.id, "part_name": "Dinner",
                                 "average_stars": 3.5, "ratings": 2}]
    assert (summary["asked"], summary["answered"], summary["waiting"]) == (3, 2, 1)
    assert summary["distribution"][10] == 1 and summary["distribution"][5] == 1
    since = client.get(f"{EVENTS}/{event.id}/feedback",
                       query_string={"updated_since": utcnow().isoformat()},
                       headers=token).get_json()
    assert since["data"] == [] and since["deleted"] == []


def test_outcomes_of_another_workspace_are_not_found_and_read_tokens_may_not_write(
        client, token, owner, make_contact, make_api_token, make_organiser):
    event, part = race(client, token, 30)
    (guest,) = racers(client, token, event, part, [make_contact(owner).id])
    stranger = bearer(make_api_token(owner=make_organiser()))
    for url in (f"{EVENTS}/{event['id']}/parts/{part['id']}/results",
                f"{EVENTS}/{event['id']}/parts/{part['id']}/goals",
                f"{EVENTS}/{event['id']}/feedback", f"{EVENTS}/{event['id']}/feedback/summary"):
        assert client.get(url, headers=stranger).status_code == 404, url
    assert client.put(result_url(event, part, guest), json={"time": "9:30"},
                      headers=stranger).status_code == 404
    reader = bearer(make_api_token(owner=owner, scopes=("guests:read",)))
    assert client.get(f"{EVENTS}/{event['id']}/feedback", headers=reader).status_code == 200
    assert client.put(result_url(event, part, guest), json={"time": "9:30"},
                      headers=reader).status_code == 403
    assert client.post(f"{EVENTS}/{event['id']}/results/publication", json={},
                       headers=reader).status_code == 403

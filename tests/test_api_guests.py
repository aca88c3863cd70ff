"""Guests through the API: invitations (invite, send, with the email in the outbox in the
same transaction, once per Idempotency-Key), answers for a guest under the capacity rules
with their history, check-ins and their undo, and the sync of changed and removed
invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventplanner.contacts.models import Contact
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import Invitation, Response
from eventplanner.mail.models import Message
from tests.conftest import bearer
from tests.test_api_events import EVENTS, add_part, make_event


@pytest.fixture
def owner(make_organiser):
    return make_organiser()


@pytest.fixture
def token(make_api_token, owner):
    return bearer(make_api_token(owner=owner, name="HubSpot"))


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def invite(client, token, event_id: int, contact_ids, **options):
    return client.post(f"{EVENTS}/{event_id}/invitations",
                       json={"contact_ids": contact_ids, **options}, headers=token)


def answer(client, token, event_id: int, invitation_id: int, answers: dict[int, str],
           **headers):
    return client.put(f"{EVENTS}/{event_id}/invitations/{invitation_id}/answers",
                      json={"answers": [{"part_id": part, "status": status}
                                        for part, status in answers.items()]},
                      headers={**token, **headers})


def test_inviting_with_send_puts_the_email_in_the_outbox_with_the_invitation(
        app, client, token, owner, make_contact):
    event = make_event(client, token, status="published")
    add_part(client, token, event["id"])
    guests = [make_contact(owner) for _ in range(2)]
    with app.app_context():
        for number, guest in enumerate(guests):
            db.session.get(Contact, guest.id).external_id = f"crm-{number}"
        db.session.commit()
    made = invite(client, token, event["id"], [c.id for c in guests], send=True,
                  plus_ones_allowed=1)
    assert made.status_code == 201, made.get_json()
    invited = made.get_json()["invited"]
    assert sorted(i["contact_external_id"] for i in invited) == ["crm-0", "crm-1"]
    assert {i["stage"] for i in invited} == {"sent"}
    assert all(i["plus_ones_allowed"] == 1 for i in invited)
    assert all(i["personal_link"].startswith("http") for i in invited)
    with app.app_context():
        messages = db.session.scalars(select(Message).where(
            Message.kind == "invitation")).all()
        assert sorted(m.invitation_id for m in messages) == sorted(i["id"] for i in invited)
    again = invite(client, token, event["id"], [guests[0].id])
    assert again.status_code == 200
    assert [i["id"] for i in again.get_json()["already_invited"]] == [invited[0]["id"]]
    assert count(app, Message) == 2, "nobody is invited (or emailed) twice"


def test_a_refused_invitation_leaves_neither_invitation_nor_email(app, client, token, owner,
                                                                  make_contact,
                                                                  make_organiser):
    event = make_event(client, token)  # a draft: nothing may be sent yet
    add_part(client, token, event["id"])
    guest = make_contact(owner)
    refused = invite(client, token, event["id"], [guest.id], send=True)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    someone_elses = make_contact(make_organiser())
    unknown = invite(client, token, event["id"], [guest.id, someone_elses.id])
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"contact_ids": {"1": [
        "No contact of the workspace has this id."]}}
    assert count(app, Invitation) == 0 and count(app, Message) == 0


def test_an_invitation_sent_again_with_the_same_idempotency_key_invites_once(
        app, client, token, owner, make_contact):
    event = make_event(client, token, status="published")
    add_part(client, token, event["id"])
    guest = make_contact(owner)
    body = {"contact_id": guest.id, "send": True}
    key = {**token, "Idempotency-Key": "invite-42"}
    first = client.post(f"{EVENTS}/{event['id']}/invitations", json=body, headers=key)
    second = client.post(f"{EVENTS}/{event['id']}/invitations", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert count(app, Invitation) == 1 and count(app, Message) == 1
    other = client.post(f"{EVENTS}/{event['id']}/invitations",
                        json={**body, "plus_ones_allowed": 2}, headers=key)
    assert other.status_code == 422


def test_an_invitation_is_sent_later_and_sent_again(app, client, token, owner,
                                                    make_contact):
    event = make_event(client, token, status="published")
    add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    invitation = made["invited"][0]
    assert invitation["stage"] == "not_sent" and count(app, Message) == 0
    url = f"{EVENTS}/{event['id']}/invitations/{invitation['id']}"
    sent = client.post(url + "/send", headers=token)
    assert sent.status_code == 200 and sent.get_json()["stage"] == "sent"
    assert client.post(url + "/send", headers=token).status_code == 200
    assert count(app, Message, Message.kind == "invitation") == 2
    assert client.get(url, headers=token).get_json() == client.get(url, headers=token) \
        .get_json()


def test_answers_for_guests_fill_a_part_and_the_next_guest_waits_in_line(
        app, client, token, owner, make_contact):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"], capacity=1)
    other = add_part(client, token, event["id"], name="Lunch")
    made = invite(client, token, event["id"],
                  [make_contact(owner).id, make_contact(owner).id]).get_json()["invited"]
    first = answer(client, token, event["id"], made[0]["id"],
                   {part["id"]: "yes", other["id"]: "maybe"})
    assert first.status_code == 200, first.get_json()
    assert [(a["part_id"], a["status"]) for a in first.get_json()["answers"]] == [
        (part["id"], "yes"), (other["id"], "maybe")]
    second = answer(client, token, event["id"], made[1]["id"], {part["id"]: "yes"})
    assert second.status_code == 200
    assert second.get_json()["answers"][0]["status"] == "waitlisted"
    history = client.get(f"{EVENTS}/{event['id']}/invitations/{made[1]['id']}/answers",
                         headers=token).get_json()["history"]
    assert [(h["field"], h["part_id"], h["old"], h["new"], h["by"]) for h in history] == [
        ("answer", part["id"], "", "waitlisted", "organiser")]
    read = client.get(f"{EVENTS}/{event['id']}/invitations/{made[1]['id']}",
                      headers=token).get_json()
    assert read["stage"] == "answered" and read["answered_at"]


def test_an_answer_with_a_stale_etag_is_refused(client, token, owner, make_contact):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    url = f"{EVENTS}/{event['id']}/invitations/{made['invited'][0]['id']}/answers"
    etag = client.get(url, headers=token).headers["ETag"]
    assert answer(client, token, event["id"], made["invited"][0]["id"], {part["id"]: "yes"},
                  **{"If-Match": etag}).status_code == 200
    stale = answer(client, token, event["id"], made["invited"][0]["id"],
                   {part["id"]: "no"}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url, headers=token).get_json()["answers"][0]["status"] == "yes"


@pytest.mark.parametrize(("answers", "field"), [
    ([{"part_id": 1, "status": "waitlisted"}], "answers"),
    ([{"part_id": "1", "status": "yes"}], "answers"),
    ([{"part_id": 1, "status": "yes", "places": 3}], "answers"),
    ([], "answers"),
    ("yes", "answers"),
])
def test_wrong_answers_are_a_problem_per_field(client, token, owner, make_contact, answers,
                                               field):
    event = make_event(client, token, status="published")
    add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    response = client.put(
        f"{EVENTS}/{event['id']}/invitations/{made['invited'][0]['id']}/answers",
        json={"answers": answers}, headers=token)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_an_answer_for_a_part_of_another_event_is_refused(client, token, owner,
                                                          make_contact):
    event = make_event(client, token, status="published")
    add_part(client, token, event["id"])
    elsewhere = add_part(client, token, make_event(client, token)["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    response = answer(client, token, event["id"], made["invited"][0]["id"],
                      {elsewhere["id"]: "yes"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"answers": {"0": {"part_id": [
        "That part is not in this event."]}}}


def test_a_guest_is_checked_in_and_the_check_in_taken_back(app, client, token, owner,
                                                           make_contact):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id],
                  plus_ones_allowed=1).get_json()["invited"][0]
    answer(client, token, event["id"], made["id"], {part["id"]: "yes"})
    url = f"{EVENTS}/{event['id']}/parts/{part['id']}/check-ins"
    since = (utcnow() - timedelta(seconds=1)).isoformat()
    came = client.post(url, json={"invitation_id": made["id"]}, headers=token)
    assert came.status_code == 201, came.get_json()
    assert came.get_json()["checked_in_by"] == "API: HubSpot"
    assert came.get_json()["party_size"] == 1
    again = client.post(url, json={"invitation_id": made["id"]}, headers=token)
    assert again.status_code == 200 and again.get_json()["id"] == came.get_json()["id"]
    listed = client.get(url, query_string={"updated_since": since}, headers=token).get_json()
    assert [c["invitation_id"] for c in listed["data"]] == [made["id"]]
    guest = client.get(f"{EVENTS}/{event['id']}/invitations/{made['id']}",
                       headers=token).get_json()
    assert [c["part_id"] for c in guest["check_ins"]] == [part["id"]]
    assert client.delete(f"{url}/{made['id']}", headers=token).status_code == 204
    assert client.delete(f"{url}/{made['id']}", headers=token).status_code == 204
    assert client.get(url, headers=token).get_json()["data"] == []
    synced = client.get(f"{EVENTS}/{event['id']}/invitations",
                        query_string={"updated_since": since}, headers=token).get_json()
    assert [(i["id"], i["check_ins"]) for i in synced["data"]] == [(made["id"], [])]


def test_check_in_of_a_guest_of_another_event_is_not_found(client, token, owner,
                                                           make_contact):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    other = make_event(client, token, status="published")
    add_part(client, token, other["id"])
    stranger = invite(client, token, other["id"], [make_contact(owner).id]).get_json()
    response = client.post(f"{EVENTS}/{event['id']}/parts/{part['id']}/check-ins",
                           json={"invitation_id": stranger["invited"][0]["id"]},
                           headers=token)
    assert response.status_code == 404


def test_a_sync_lists_changed_invitations_and_the_tombstones_of_deleted_ones(
        app, client, token, owner, make_contact):
    from eventplanner.invitations.waitlist import delete_contact_and_free_places

    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    guests = [make_contact(owner) for _ in range(3)]
    made = invite(client, token, event["id"], [c.id for c in guests]).get_json()["invited"]
    url = f"{EVENTS}/{event['id']}/invitations"
    first = client.get(url, query_string={"updated_since": "2000-01-01T00:00:00Z"},
                       headers=token).get_json()
    assert len(first["data"]) == 3 and first["deleted"] == []
    since = utcnow().isoformat()
    answer(client, token, event["id"], made[0]["id"], {part["id"]: "no"})
    with app.app_context():
        delete_contact_and_free_places(db.session.get(Contact, made[1]["contact_id"]),
                                       utcnow())
        db.session.commit()
    page = client.get(url, query_string={"updated_since": since}, headers=token).get_json()
    assert [i["id"] for i in page["data"]] == [made[0]["id"]]
    assert [(t["id"], t["reason"]) for t in page["deleted"]] == [(made[1]["id"], "deleted")]
    answered = client.get(url, query_string={"stage": "answered"}, headers=token).get_json()
    assert [i["id"] for i in answered["data"]] == [made[0]["id"]]


def test_a_list_of_invitations_costs_the_same_queries_for_two_guests_as_for_twenty(
        app, client, token, owner, make_contact):
    from tests.conftest import statements_run

    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    url = f"{EVENTS}/{event['id']}/invitations"

    def queries() -> int:
        with statements_run(app) as statements:
            assert client.get(url, headers=token).status_code == 200
        return len(statements)

    def invite_and_answer(number: int) -> None:
        made = invite(client, token, event["id"],
                      [make_contact(owner).id for _ in range(number)]).get_json()
        for invitation in made["invited"]:
            answer(client, token, event["id"], invitation["id"], {part["id"]: "yes"})
            client.post(f"{EVENTS}/{event['id']}/parts/{part['id']}/check-ins",
                        json={"invitation_id": invitation["id"]}, headers=token)

    invite_and_answer(2)
    few = queries()
    invite_and_answer(18)
    assert queries() == few


def test_another_workspace_and_a_read_only_token_are_refused(client, token, owner,
                                                            make_contact, make_api_token,
                                                            make_organiser):
    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    invitation_url = f"{EVENTS}/{event['id']}/invitations/{made['invited'][0]['id']}"
    stranger = bearer(make_api_token(owner=make_organiser()))
    for url in (f"{EVENTS}/{event['id']}/invitations", invitation_url,
                invitation_url + "/answers",
                f"{EVENTS}/{event['id']}/parts/{part['id']}/check-ins"):
        assert client.get(url, headers=stranger).status_code == 404, url
    reader = bearer(make_api_token(owner=owner, scopes=("guests:read",)))
    assert client.get(invitation_url, headers=reader).status_code == 200
    for response in (
            invite(client, reader, event["id"], [1]),
            client.post(invitation_url + "/send", headers=reader),
            answer(client, reader, event["id"], made["invited"][0]["id"], {part["id"]: "yes"}),
            client.post(f"{EVENTS}/{event['id']}/parts/{part['id']}/check-ins",
                        json={"invitation_id": made["invited"][0]["id"]}, headers=reader)):
        assert response.status_code == 403
    events_only = bearer(make_api_token(owner=owner, scopes=("events:read",)))
    assert client.get(invitation_url, headers=events_only).status_code == 403


def test_an_erased_guest_is_an_erased_tombstone_and_stays_in_the_list_without_a_link(
        app, client, token, owner, make_contact):
    from eventplanner.privacy.services import erase_contact

    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    made = invite(client, token, event["id"], [make_contact(owner).id]).get_json()
    invitation = made["invited"][0]
    answer(client, token, event["id"], invitation["id"], {part["id"]: "yes"})
    since = utcnow().isoformat()
    with app.app_context():
        erase_contact(db.session.get(Contact, invitation["contact_id"]), utcnow(), None)
        db.session.commit()
    page = client.get(f"{EVENTS}/{event['id']}/invitations",
                      query_string={"updated_since": since}, headers=token).get_json()
    assert [(t["id"], t["reason"]) for t in page["deleted"]] == [(invitation["id"], "erased")]
    erased = client.get(f"{EVENTS}/{event['id']}/invitations/{invitation['id']}",
                        headers=token).get_json()
    assert erased["personal_link"] is None
    assert erased["contact_email"] != invitation["contact_email"]
    assert erased["answers"][0]["status"] == "yes", "the answer stays for the counts"


def test_nobody_answers_for_a_guest_whose_link_is_revoked_or_who_was_erased(
        app, client, token, owner, make_contact):
    from eventplanner.invitations.links import revoke_link
    from eventplanner.privacy.services import erase_contact

    event = make_event(client, token, status="published")
    part = add_part(client, token, event["id"])
    revoked, erased = invite(client, token, event["id"],
                             [make_contact(owner).id, make_contact(owner).id]
                             ).get_json()["invited"]
    with app.app_context():
        revoke_link(db.session.get(Invitation, revoked["id"]), utcnow())
        erase_contact(db.session.get(Contact, erased["contact_id"]), utcnow(), None)
        db.session.commit()
    for invitation in (revoked, erased):
        refused = answer(client, token, event["id"], invitation["id"], {part["id"]: "yes"})
        assert refused.status_code == 409
        assert refused.mimetype == "application/problem+json"
    assert count(app, Response) == 0

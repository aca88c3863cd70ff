"""The client book through the API: contacts one by one and in bulk, companies and the
members who can look after them, as a CRM's sync uses them: with tokens, through the
client, on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Organiser, Role
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.deletions.models import Tombstone
from eventplanner.extensions import db
from tests.conftest import bearer, held_while, statements_run

CONTACTS = "/api/v1/contacts"
BULK = "/api/v1/contacts/bulk"
COMPANIES = "/api/v1/companies"
MEMBERS = "/api/v1/members"


@pytest.fixture
def owner(make_organiser):
    return make_organiser(name="Olivia Owner", email="olivia@example.com")


@pytest.fixture
def secret(make_api_token, owner) -> str:
    return make_api_token(owner=owner)


def contacts_in_database(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contact.id)))


def rows(count: int, start: int = 0, **extra) -> list[dict]:
    return [{"name": f"Person {number}", "email": f"person{number}@client.example",
             "external_id": f"crm-{number}", **extra} for number in range(start, start + count)]


def test_a_contact_is_made_read_changed_and_deleted(client, secret, make_member, owner):
    manager = make_member(owner, name="Andrea Manager")
    made = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari Nordmann", "email": " Kari@Client.example ", "phone": "+47 22 00 00 00",
        "job_title": "Head of procurement", "company_name": "Fjord AS", "language": "nb",
        "dietary_notes": "No nuts", "notes": "Met at the spring race", "tags": ["VIP", "runner"],
        "account_manager_id": manager.id, "external_id": "hs-1001"})
    assert made.status_code == 201, made.get_json()
    contact = made.get_json()
    assert contact["email"] == "kari@client.example"
    assert contact["company"]["name"] == "Fjord AS"
    assert contact["tags"] == ["runner", "vip"]
    assert contact["account_manager_id"] == manager.id
    assert contact["external_id"] == "hs-1001" and contact["email_bounced_at"] is None
    read = client.get(made.headers["Location"], headers=bearer(secret))
    assert read.status_code == 200 and read.get_json() == contact

    changed = client.patch(f"{CONTACTS}/{contact['id']}", headers=bearer(secret),
                           json={"job_title": "CFO", "tags": ["vip"], "company_id": None})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["job_title"] == "CFO"
    assert changed.get_json()["tags"] == ["vip"] and changed.get_json()["company"] is None
    assert changed.get_json()["name"] == "Kari Nordmann"  # what was not sent stays
    again = client.get(f"{CONTACTS}/{contact['id']}", headers=bearer(secret)).get_json()
    assert again == changed.get_json()

    deleted = client.delete(f"{CONTACTS}/{contact['id']}", headers=bearer(secret))
    assert deleted.status_code == 204
    gone = client.get(f"{CONTACTS}/{contact['id']}", headers=bearer(secret))
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"


def test_a_change_through_the_api_is_in_the_audit_trail_with_what_changed(
        app, client, secret, make_contact, owner):
    contact = make_contact(owner, name="Ola", email="ola@client.example")
    client.patch(f"{CONTACTS}/{contact.id}", headers=bearer(secret),
                 json={"name": "Ola Nordmann", "external_id": "crm-7"})
    with app.app_context():
        details = [entry.details for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.contact_id == contact.id,
                                     AuditEntry.action == "contact.changed"))]
    assert {"name": ["Ola", "Ola Nordmann"]} in details
    assert {"external_id": [None, "crm-7"]} in details


def test_a_company_is_named_by_id_and_an_unknown_one_is_refused_on_that_field(
        client, secret, make_api_token, make_organiser):
    company = client.post(COMPANIES, headers=bearer(secret), json={"name": "Fjord AS"})
    assert company.status_code == 201, company.get_json()
    company_id = company.get_json()["id"]
    made = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Per", "email": "per@client.example", "company_id": company_id})
    assert made.get_json()["company"] == {"id": company_id, "name": "Fjord AS"}
    theirs = client.post(COMPANIES, headers=bearer(make_api_token()), json={"name": "Theirs"})
    refused = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Pål", "email": "pal@client.example", "company_id": theirs.get_json()["id"]})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["company_id"]
    both = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Pål", "email": "pal@client.example", "company_id": company_id,
        "company_name": "Other"})
    assert both.status_code == 422 and "company_id" in both.get_json()["errors"]


def test_an_email_or_external_id_in_use_is_a_conflict(client, secret):
    first = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari", "email": "kari@client.example", "external_id": "crm-1"})
    assert first.status_code == 201
    same_email = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari 2", "email": "KARI@client.example"})
    assert same_email.status_code == 409
    assert same_email.mimetype == "application/problem+json"
    same_crm_id = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari 3", "email": "kari3@client.example", "external_id": "crm-1"})
    assert same_crm_id.status_code == 409
    other = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Ola", "email": "ola@client.example"}).get_json()
    taken = client.patch(f"{CONTACTS}/{other['id']}", headers=bearer(secret),
                         json={"email": "kari@client.example"})
    assert taken.status_code == 409


def test_an_account_manager_must_be_a_member_of_the_workspace(
        client, secret, make_organiser, make_contact, owner):
    stranger = make_organiser()
    refused = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari", "email": "kari@client.example", "account_manager_id": stranger.id})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["account_manager_id"]
    contact = make_contact(owner)
    changed = client.patch(f"{CONTACTS}/{contact.id}", headers=bearer(secret),
                           json={"account_manager_id": stranger.id})
    assert changed.status_code == 422
    assert list(changed.get_json()["errors"]) == ["account_manager_id"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"name": "Kari", "email": "kari@client.example", "nickname": "K"}, {"nickname"}),
    ({"name": "Kari", "email": "kari@client.example", "id": 5}, {"id"}),
    ({"name": 5, "email": "kari@client.example"}, {"name"}),
    ({"name": "Kari", "email": "not an address"}, {"email"}),
    ({"name": "  ", "email": "kari@client.example"}, {"name"}),
    ({"name": "Kari"}, {"email"}),
    ({"name": "Kari", "email": "kari@client.example", "tags": "vip"}, {"tags"}),
    ({"name": "Kari", "email": "kari@client.example", "tags": ["a,b"]}, {"tags"}),
    ({"name": "Kari", "email": "kari@client.example", "language": "fr"}, {"language"}),
    ({"name": "Kari", "email": "kari@client.example", "account_manager_id": "3"},
     {"account_manager_id"}),
    ({"name": "Kari", "email": "kari@client.example", "account_manager_id": True},
     {"account_manager_id"}),
    ({"name": "Kari", "email": "kari@client.example", "company_id": 10**20}, {"company_id"}),
    ({"name": "K" * 121, "email": "kari@client.example"}, {"name"}),
    ({"name": "Kari", "email": "kari@client.example", "external_id": "x" * 201},
     {"external_id"}),
    ({"name": "Kari\x00", "email": "kari@client.example"}, {"name"}),
    ({"name": "Kari", "email": "kari@client.example", "tags": ["\u0130" * 60]}, {"tags"}),
])
def test_unknown_fields_and_wrong_types_are_refused_per_field(app, client, secret, body, fields):
    refused = client.post(CONTACTS, headers=bearer(secret), json=body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert set(refused.get_json()["errors"]) == fields
    assert contacts_in_database(app) == 0


def test_a_change_must_name_something_to_change(client, secret, make_contact, owner):
    contact = make_contact(owner)
    for url in (f"{CONTACTS}/{contact.id}",
                client.post(COMPANIES, headers=bearer(secret),
                            json={"name": "Fjord AS"}).headers["Location"]):
        for body in ({"json": {}}, {}):
            refused = client.patch(url, headers=bearer(secret), **body)
            assert refused.status_code == 422, (url, body)
            assert refused.mimetype == "application/problem+json"


def test_a_body_that_is_not_json_is_a_problem(client, secret):
    for data, content_type in (("{", "application/json"), ("[1, 2]", "application/json"),
                               ("name=Kari", "application/x-www-form-urlencoded")):
        refused = client.post(CONTACTS, headers=bearer(secret), data=data,
                              content_type=content_type)
        assert 400 <= refused.status_code < 500, (data, refused.status_code)
        assert refused.mimetype == "application/problem+json"


def test_lists_filter_by_email_external_id_company_and_tag(client, secret):
    client.post(BULK, headers=bearer(secret), json={"contacts": [
        {"name": "A", "email": "a@client.example", "external_id": "crm-a",
         "company_name": "Fjord AS", "tags": ["vip"]},
        {"name": "B", "email": "b@client.example", "company_name": "Fjord AS"},
        {"name": "C", "email": "c@client.example", "tags": ["runner", "VIP"]},
    ]})

    def names(query: str) -> list[str]:
        page = client.get(f"{CONTACTS}?{query}", headers=bearer(secret))
        assert page.status_code == 200, page.get_json()
        return [contact["name"] for contact in page.get_json()["data"]]

    assert names("") == ["A", "B", "C"]
    assert names("email=B@Client.example") == ["B"]
    assert names("external_id=crm-a") == ["A"]
    company_id = client.get(f"{COMPANIES}?name=fjord%20as",
                            headers=bearer(secret)).get_json()["data"][0]["id"]
    assert names(f"company_id={company_id}") == ["A", "B"]
    assert names("tag=VIP") == ["A", "C"]
    assert names("tag=runner&limit=1") == ["C"]
    assert client.get(f"{CONTACTS}?company_id=x", headers=bearer(secret)).status_code == 422
    assert client.get(f"{CONTACTS}?colour=red", headers=bearer(secret)).status_code == 422


def test_pages_follow_the_cursor_until_it_is_null(client, secret):
    client.post(BULK, headers=bearer(secret), json={"contacts": rows(25)})
    seen, cursor = [], None
    while True:
        query = f"?limit=10&cursor={cursor}" if cursor else "?limit=10"
        page = client.get(CONTACTS + query, headers=bearer(secret)).get_json()
        seen += [contact["external_id"] for contact in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"crm-{n}" for n in range(25)) and len(seen) == 25


def test_a_sync_with_updated_since_sees_changes_new_tags_deletions_and_erasures(
        app, client, secret):
    made = client.post(BULK, headers=bearer(secret), json={"contacts": rows(4)}).get_json()
    ids = [row["id"] for row in made["contacts"]]
    first = client.get(f"{CONTACTS}?updated_since=2000-01-01T00:00:00Z&limit=1000",
                       headers=bearer(secret)).get_json()
    assert len(first["data"]) == 4 and first["deleted"] == []
    # The next sync asks from a moment after these changes were read.
    since = _later_than_everything(app)

    tagged = client.patch(f"{CONTACTS}/{ids[0]}", headers=bearer(secret),
                          json={"tags": ["vip"]})
    assert tagged.get_json()["updated_at"] > first["data"][0]["updated_at"]
    assert client.delete(f"{CONTACTS}/{ids[1]}", headers=bearer(secret)).status_code == 204
    erased = client.post(f"{CONTACTS}/{ids[2]}/erasure", headers=bearer(secret))
    assert erased.status_code in (200, 204)

    second = client.get(f"{CONTACTS}?updated_since={since}", headers=bearer(secret)).get_json()
    assert [contact["id"] for contact in second["data"]] == [ids[0]]
    assert second["data"][0]["tags"] == ["vip"]
    assert sorted((gone["id"], gone["reason"]) for gone in second["deleted"]) == [
        (ids[1], "deleted"), (ids[2], "erased")]
    assert second["next_updated_since"] is not None
    live = client.get(CONTACTS, headers=bearer(secret)).get_json()
    assert ids[2] not in [contact["id"] for contact in live["data"]]  # erased: not live data
    assert client.get(f"{CONTACTS}/{ids[2]}", headers=bearer(secret)).status_code == 404


def _later_than_everything(app) -> str:
    """An ``updated_since`` after every change so far (as a sync's next one would be)."""
    with app.app_context():
        latest = db.session.scalar(select(func.max(Contact.updated_at)))
        gone = db.session.scalar(select(func.max(Tombstone.gone_at)))
    moment = max(value for value in (latest, gone) if value is not None)
    return moment.isoformat().replace("+00:00", "Z")


def test_erasure_is_the_pages_erasure_and_a_second_one_is_a_conflict(
        app, client, secret, make_api_token, owner):
    made = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari", "email": "kari@client.example", "external_id": "hs-9",
        "notes": "Private", "tags": ["vip"]}).get_json()
    without_erase = make_api_token(owner=owner, scopes=("contacts:read", "contacts:write"))
    refused = client.post(f"{CONTACTS}/{made['id']}/erasure", headers=bearer(without_erase))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"

    erased = client.post(f"{CONTACTS}/{made['id']}/erasure", headers=bearer(secret))
    assert erased.status_code == 204
    with app.app_context():
        contact = db.session.get(Contact, made["id"])
        assert contact.erased_at is not None
        assert (contact.email, contact.notes, contact.external_id, contact.tags) == (
            f"erased-{made['id']}@invalid", "", None, [])
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "contact.erased", AuditEntry.contact_id == made["id"]))
    again = client.post(f"{CONTACTS}/{made['id']}/erasure", headers=bearer(secret))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    # The CRM id is free again: the CRM may push the person anew (it was told to erase).
    remade = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari", "email": "kari@client.example", "external_id": "hs-9"})
    assert remade.status_code == 201


def test_if_match_refuses_a_stale_change_and_if_none_match_answers_304(
        client, secret, make_contact, owner):
    contact = make_contact(owner)
    url = f"{CONTACTS}/{contact.id}"
    read = client.get(url, headers=bearer(secret))
    etag = read.headers["ETag"]
    assert client.get(url, headers={**bearer(secret), "If-None-Match": etag}).status_code == 304
    client.patch(url, headers=bearer(secret), json={"phone": "+47 1"})  # someone else
    stale = client.patch(url, headers={**bearer(secret), "If-Match": etag},
                         json={"job_title": "CEO"})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert client.get(url, headers=bearer(secret)).get_json()["job_title"] == ""
    fresh = client.get(url, headers=bearer(secret)).headers["ETag"]
    changed = client.patch(url, headers={**bearer(secret), "If-Match": fresh},
                           json={"job_title": "CEO"})
    assert changed.status_code == 200 and changed.get_json()["job_title"] == "CEO"
    assert client.delete(url, headers={**bearer(secret), "If-Match": fresh}).status_code == 412
    # A change's answer carries the tag the next change sends.
    again = client.patch(url, headers={**bearer(secret), "If-Match": changed.headers["ETag"]},
                         json={"job_title": "CTO"})
    assert again.status_code == 200
    now = client.get(url, headers=bearer(secret)).headers["ETag"]
    assert client.delete(url, headers={**bearer(secret), "If-Match": now}).status_code == 204


def test_a_create_sent_again_with_its_idempotency_key_makes_one_contact(app, client, secret):
    headers = {**bearer(secret), "Idempotency-Key": "create-kari-1"}
    body = {"name": "Kari", "email": "kari@client.example"}
    first = client.post(CONTACTS, headers=headers, json=body)
    second = client.post(CONTACTS, headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert contacts_in_database(app) == 1
    other = client.post(CONTACTS, headers=headers, json={**body, "name": "Kari N"})
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert contacts_in_database(app) == 1


def test_a_thousand_rows_are_made_then_sent_again_unchanged(app, client, secret):
    batch = rows(1000, company_name="Fjord AS", tags=["vip"])
    made = client.post(BULK, headers=bearer(secret), json={"contacts": batch})
    assert made.status_code == 200, made.get_json()
    answer = made.get_json()["contacts"]
    assert [row["index"] for row in answer] == list(range(1000))
    assert {row["result"] for row in answer} == {"created"}
    assert answer[7]["external_id"] == "crm-7"
    assert contacts_in_database(app) == 1000
    again = client.post(BULK, headers=bearer(secret), json={"contacts": batch}).get_json()
    assert {row["result"] for row in again["contacts"]} == {"unchanged"}
    assert [row["id"] for row in again["contacts"]] == [row["id"] for row in answer]
    batch[3]["job_title"] = "CFO"
    batch[4]["tags"] = []
    changed = client.post(BULK, headers=bearer(secret), json={"contacts": batch}).get_json()
    assert [row["index"] for row in changed["contacts"] if row["result"] == "updated"] == [3, 4]
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id))) == 1
        counts = [entry.details for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "contacts.upserted")
            .order_by(AuditEntry.id))]
    assert counts == [{"created": 1000, "updated": 0, "unchanged": 0},
                      {"created": 0, "updated": 0, "unchanged": 1000},
                      {"created": 0, "updated": 2, "unchanged": 998}]


def test_a_bulk_call_costs_a_few_queries_whatever_its_size(app, client, secret, backend):
    """Rows are read at once and written in batches. SQLite (in the process: no round
    trips) runs a batch's INSERT ... RETURNING or UPDATE once per row inside one call, so
    there only what is neither is counted."""

    def statements(count: int, start: int, result: str, job_title: str) -> int:
        body = {"contacts": rows(count, start, company_name=f"Company {start}",
                                 tags=[f"tag{start}"], job_title=job_title)}
        with statements_run(app) as run:
            answer = client.post(BULK, headers=bearer(secret), json=body)
        assert {row["result"] for row in answer.get_json()["contacts"]} == {result}
        if backend.name == "sqlite":
            return sum(not statement.lstrip().upper().startswith(("INSERT", "UPDATE"))
                       for statement in run)
        return len(run)

    client.get(CONTACTS, headers=bearer(secret))  # the token's last use is noted once a minute
    for result, job_title in (("created", "CEO"), ("updated", "CFO"), ("unchanged", "CFO")):
        small = statements(10, 0, result, job_title)
        assert statements(500, 100, result, job_title) == small, result


def test_one_bad_row_among_500_saves_nothing_and_names_the_row(app, client, secret):
    client.post(BULK, headers=bearer(secret), json={"contacts": rows(5)})
    batch = rows(500, start=5)
    batch[250]["email"] = "not an address"
    batch[251]["language"] = "fr"
    refused = client.post(BULK, headers=bearer(secret), json={"contacts": batch})
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    errors = refused.get_json()["errors"]["contacts"]
    assert errors == {"250": {"email": errors["250"]["email"]},
                      "251": {"language": errors["251"]["language"]}}
    assert contacts_in_database(app) == 5


def test_a_duplicate_email_or_crm_id_inside_a_bulk_call_is_refused(app, client, secret):
    batch = rows(3)
    batch[2]["email"] = "PERSON0@client.example"
    refused = client.post(BULK, headers=bearer(secret), json={"contacts": batch})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]["contacts"]) == ["2"]
    assert "email" in refused.get_json()["errors"]["contacts"]["2"]
    batch = rows(3)
    batch[1]["external_id"] = "crm-0"
    refused = client.post(BULK, headers=bearer(secret), json={"contacts": batch})
    assert refused.get_json()["errors"]["contacts"] == {"1": {"external_id": [
        refused.get_json()["errors"]["contacts"]["1"]["external_id"][0]]}}
    assert contacts_in_database(app) == 0


def test_bulk_rows_match_by_crm_id_then_by_email_and_refuse_another_contacts_email(
        app, client, secret, make_contact, owner, make_member):
    known = make_contact(owner, name="Known", email="known@client.example",
                         tags=("vip",), company_name="Fjord AS")
    linked = client.post(BULK, headers=bearer(secret), json={"contacts": [
        {"name": "Known Person", "email": "KNOWN@client.example", "external_id": "crm-k"}]})
    assert linked.get_json()["contacts"] == [
        {"index": 0, "id": known.id, "external_id": "crm-k", "result": "updated"}]
    read = client.get(f"{CONTACTS}/{known.id}", headers=bearer(secret)).get_json()
    # What the row left out stays.
    assert read["tags"] == ["vip"] and read["company"]["name"] == "Fjord AS"
    assert read["name"] == "Known Person"
    moved = client.post(BULK, headers=bearer(secret), json={"contacts": [
        {"name": "Known Person", "email": "new@client.example", "external_id": "crm-k"}]})
    assert moved.get_json()["contacts"][0]["result"] == "updated"
    other = make_contact(owner, email="other@client.example")
    manager = make_member(owner)
    refused = client.post(BULK, headers=bearer(secret), json={"contacts": [
        {"name": "Known", "email": "other@client.example", "external_id": "crm-k"},
        {"name": "New", "email": "fresh@client.example", "account_manager_id": manager.id},
        {"name": "New", "email": "fresh2@client.example", "account_manager_id": 999999},
        {"name": "Other", "email": "other@client.example"},
    ]})
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]["contacts"]
    assert set(errors) == {"0", "2", "3"}
    assert "email" in errors["0"] and "account_manager_id" in errors["2"]
    assert "email" in errors["3"]  # the same address as row 0
    assert client.get(f"{CONTACTS}/{other.id}", headers=bearer(secret)).status_code == 200
    assert contacts_in_database(app) == 2


def test_a_bulk_call_that_races_a_change_with_the_same_email_is_a_conflict(
        app, client, secret, owner, backend):
    """The page saves the address while the bulk call runs: on PostgreSQL the call looked
    before the page's commit, so it is a 409 problem (not a server error) and saves
    nothing; SQLite runs one writer at a time, so there the call waits, finds the page's
    contact and updates it. Either way there is one contact."""
    answers = []

    def page_saves() -> None:
        create_contact(db.session.get(Organiser, owner.id),
                       ContactDetails(name="From the page", email="race@client.example"))

    def bulk_call() -> None:
        answers.append(client.post(BULK, headers=bearer(secret), json={"contacts": [
            {"name": "From the CRM", "email": "race@client.example"}]}))

    held_while(app, page_saves, bulk_call)
    with app.app_context():
        names = db.session.scalars(select(Contact.name)).all()
    if backend.name == "postgresql":
        assert answers[0].status_code == 409, answers[0].get_json()
        assert answers[0].mimetype == "application/problem+json"
        assert names == ["From the page"]
    else:
        assert answers[0].get_json()["contacts"][0]["result"] == "updated"
        assert names == ["From the CRM"]


def test_a_bulk_call_of_1001_rows_or_a_huge_body_is_refused_and_saves_nothing(
        app, client, secret):
    refused = client.post(BULK, headers=bearer(secret), json={"contacts": rows(1001)})
    assert refused.status_code in (413, 422)
    assert refused.mimetype == "application/problem+json"
    assert "contacts" in refused.get_json()["errors"]
    empty = client.post(BULK, headers=bearer(secret), json={"contacts": []})
    assert empty.status_code == 422
    limit = app.config["MAX_CONTENT_LENGTH"]
    huge = json.dumps({"contacts": rows(3, notes="x" * (limit // 2))})
    too_large = client.post(BULK, headers=bearer(secret), data=huge,
                            content_type="application/json")
    assert too_large.status_code == 413
    assert too_large.mimetype == "application/problem+json"
    assert contacts_in_database(app) == 0


def test_a_token_of_another_workspace_sees_nothing_of_this_one(
        app, client, secret, make_api_token, make_contact, owner):
    contact = make_contact(owner)
    client.post(COMPANIES, headers=bearer(secret), json={"name": "Fjord AS"})
    theirs = make_api_token()
    url = f"{CONTACTS}/{contact.id}"
    for response in (client.get(url, headers=bearer(theirs)),
                     client.patch(url, headers=bearer(theirs), json={"name": "Taken"}),
                     client.delete(url, headers=bearer(theirs)),
                     client.post(f"{url}/erasure", headers=bearer(theirs))):
        assert response.status_code == 404, response.get_json()
        assert response.mimetype == "application/problem+json"
    since = "?updated_since=2000-01-01T00:00:00Z"
    for listing in (CONTACTS, CONTACTS + since, COMPANIES, COMPANIES + since):
        page = client.get(listing, headers=bearer(theirs)).get_json()
        assert page["data"] == [] and page["deleted"] == []
    members = client.get(MEMBERS, headers=bearer(theirs)).get_json()["data"]
    assert "olivia@example.com" not in [member["email"] for member in members]
    # Their bulk call makes their own contact, never touching this one.
    theirs_made = client.post(BULK, headers=bearer(theirs), json={"contacts": [
        {"name": "Same address", "email": contact.email}]}).get_json()
    assert theirs_made["contacts"][0]["result"] == "created"
    assert theirs_made["contacts"][0]["id"] != contact.id
    assert client.get(url, headers=bearer(secret)).get_json()["name"] == contact.name


def test_a_read_only_token_may_read_but_not_write(
        app, client, make_api_token, owner, make_contact):
    contact = make_contact(owner)
    reader = make_api_token(owner=owner, scopes=("contacts:read",))
    assert client.get(CONTACTS, headers=bearer(reader)).status_code == 200
    assert client.get(MEMBERS, headers=bearer(reader)).status_code == 200
    url = f"{CONTACTS}/{contact.id}"
    for response in (
            client.post(CONTACTS, headers=bearer(reader),
                        json={"name": "Kari", "email": "kari@client.example"}),
            client.patch(url, headers=bearer(reader), json={"name": "Changed"}),
            client.delete(url, headers=bearer(reader)),
            client.post(f"{url}/erasure", headers=bearer(reader)),
            client.post(BULK, headers=bearer(reader), json={"contacts": rows(1)}),
            client.post(COMPANIES, headers=bearer(reader), json={"name": "Fjord"})):
        assert response.status_code == 403, response.get_json()
        assert response.mimetype == "application/problem+json"
    assert contacts_in_database(app) == 1
    no_contacts = make_api_token(owner=owner, scopes=("events:read",))
    assert client.get(CONTACTS, headers=bearer(no_contacts)).status_code == 403


def test_a_list_page_reads_as_many_queries_for_100_contacts_as_for_5(
        app, client, secret, make_member, owner):
    manager = make_member(owner)

    def statements(count: int) -> int:
        with statements_run(app) as run:
            page = client.get(f"{CONTACTS}?limit={count}", headers=bearer(secret))
            assert len(page.get_json()["data"]) == count
        return len(run)

    client.post(BULK, headers=bearer(secret), json={"contacts": [
        {**row, "company_name": f"Company {index % 7}", "tags": [f"t{index % 5}", "vip"],
         "account_manager_id": manager.id} for index, row in enumerate(rows(100))]})
    assert statements(5) == statements(100)


def test_companies_are_made_listed_changed_and_upserted(app, client, secret, make_member,
                                                       owner):
    manager = make_member(owner)
    made = client.post(COMPANIES, headers=bearer(secret), json={
        "name": "Fjord  AS", "external_id": "hs-c1", "notes": "Big client",
        "account_manager_id": manager.id})
    assert made.status_code == 201, made.get_json()
    company = made.get_json()
    assert company["name"] == "Fjord AS" and company["account_manager_id"] == manager.id
    assert client.get(made.headers["Location"], headers=bearer(secret)).get_json() == company
    clash = client.post(COMPANIES, headers=bearer(secret), json={"name": "FJORD AS"})
    assert clash.status_code == 409
    crm_clash = client.post(COMPANIES, headers=bearer(secret),
                            json={"name": "Other", "external_id": "hs-c1"})
    assert crm_clash.status_code == 409
    listed = client.get(f"{COMPANIES}?external_id=hs-c1", headers=bearer(secret)).get_json()
    assert [c["id"] for c in listed["data"]] == [company["id"]]
    client.post(COMPANIES, headers=bearer(secret), json={"name": "Berg GmbH"})
    with app.app_context():
        since = db.session.scalar(select(func.max(Company.updated_at)))
    since = since.isoformat().replace("+00:00", "Z")

    url = f"{COMPANIES}/{company['id']}"
    etag = client.get(url, headers=bearer(secret)).headers["ETag"]
    renamed = client.patch(url, headers={**bearer(secret), "If-Match": etag},
                           json={"name": "Fjord ASA", "account_manager_id": None})
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["account_manager_id"] is None
    changed = client.get(f"{COMPANIES}?updated_since={since}", headers=bearer(secret))
    assert [c["name"] for c in changed.get_json()["data"]] == ["Fjord ASA"]
    taken = client.patch(url, headers=bearer(secret), json={"name": "BERG GMBH"})
    assert taken.status_code == 409 and taken.mimetype == "application/problem+json"
    stale = client.patch(url, headers={**bearer(secret), "If-Match": etag},
                         json={"notes": "Stale"})
    assert stale.status_code == 412
    stranger = client.patch(url, headers=bearer(secret), json={"account_manager_id": 999999})
    assert stranger.status_code == 422
    assert list(stranger.get_json()["errors"]) == ["account_manager_id"]

    upserted = client.post(f"{COMPANIES}/bulk", headers=bearer(secret), json={"companies": [
        {"name": "Fjord ASA", "external_id": "hs-c1"},
        {"name": "Ærø Rederi", "external_id": "hs-c2"},
        {"name": "Berg GmbH"},
    ]})
    assert upserted.status_code == 200, upserted.get_json()
    assert [row["result"] for row in upserted.get_json()["companies"]] == [
        "unchanged", "created", "unchanged"]
    again = client.post(f"{COMPANIES}/bulk", headers=bearer(secret), json={"companies": [
        {"name": "ærø rederi", "notes": "Ferries"}, {"name": "Berg GmbH", "external_id": "b"},
    ]}).get_json()
    assert [row["result"] for row in again["companies"]] == ["updated", "updated"]
    assert again["companies"][1]["external_id"] == "b"
    refused = client.post(f"{COMPANIES}/bulk", headers=bearer(secret), json={"companies": [
        {"name": "New one"}, {"name": "NEW ONE"}, {"name": "Fjord ASA", "external_id": "b"}]})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]["companies"]) == {"1", "2"}
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id))) == 3


def test_members_are_listed_with_their_roles_for_account_managers(
        client, secret, make_member, owner):
    viewer = make_member(owner, role=Role.VIEWER, name="Vera Viewer")
    members = client.get(MEMBERS, headers=bearer(secret))
    assert members.status_code == 200
    assert [(m["id"], m["name"], m["role"]) for m in members.get_json()["data"]] == [
        (owner.id, "Olivia Owner", "owner"), (viewer.id, "Vera Viewer", "viewer")]
    assert members.get_json()["data"][0]["email"] == "olivia@example.com"


def test_the_openapi_document_describes_the_client_book(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/contacts", "/api/v1/contacts/{contact_id}",
                 "/api/v1/contacts/{contact_id}/erasure", "/api/v1/contacts/bulk",
                 "/api/v1/companies", "/api/v1/companies/{company_id}",
                 "/api/v1/companies/bulk", "/api/v1/members"):
        assert path in document["paths"], path
    bulk = document["paths"]["/api/v1/contacts/bulk"]["post"]
    assert bulk["security"] == [{"bearerAuth": ["contacts:write"]}]
    erasure = document["paths"]["/api/v1/contacts/{contact_id}/erasure"]["post"]
    assert erasure["security"] == [{"bearerAuth": ["contacts:erase"]}]



def test_contacts_made_and_changed_through_the_api_are_announced_to_webhooks(
        app, client, secret, owner):
    from tests.test_webhooks import sent, subscribe

    subscribe(app, owner, types=("contact.created", "contact.updated"))
    made = client.post(CONTACTS, headers=bearer(secret), json={
        "name": "Kari", "email": "kari@client.example", "external_id": "crm-k"}).get_json()
    client.patch(f"{CONTACTS}/{made['id']}", headers=bearer(secret), json={"phone": "+47 1"})
    answer = client.post(BULK, headers=bearer(secret), json={"contacts": [
        {"name": "Kari", "email": "kari@client.example", "external_id": "crm-k",
         "tags": ["vip"]},
        {"name": "Ola", "email": "ola@client.example", "external_id": "crm-o"},
        {"name": "Per", "email": "per@client.example"}]}).get_json()["contacts"]
    client.post(BULK, headers=bearer(secret), json={"contacts": [  # unchanged: not announced
        {"name": "Ola", "email": "ola@client.example", "external_id": "crm-o"}]})
    assert sent(app, "contact.created") == [
        {"contact_id": made["id"], "external_id": "crm-k", "company_id": None},
        {"contact_id": answer[1]["id"], "external_id": "crm-o", "company_id": None},
        {"contact_id": answer[2]["id"], "external_id": None, "company_id": None}]
    assert sent(app, "contact.updated") == [
        {"contact_id": made["id"], "external_id": "crm-k", "company_id": None,
         "fields": ["phone"]},
        {"contact_id": made["id"], "external_id": "crm-k", "company_id": None,
         "fields": ["tags"]}]

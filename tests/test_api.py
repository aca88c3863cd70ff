"""The API's common rules, through tags (the smallest resource): tokens and scopes, problem
documents, strict input, cursor pages with ``updated_since`` and tombstones, ETags,
``Idempotency-Key``, rate limits, the audit trail, and the OpenAPI document."""

from __future__ import annotations

import base64
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import ApiToken, Membership, Role
from eventplanner.auth.services import register_organiser, start_workspace
from eventplanner.contacts.models import Tag
from eventplanner.deletions.models import Tombstone
from eventplanner.events.services import remove_part
from eventplanner.extensions import db, utcnow
from tests.conftest import PASSWORD, bearer

TAGS = "/api/v1/tags"


def test_a_call_without_a_token_is_a_problem_with_a_bearer_challenge(client):
    response = client.get(TAGS)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json()
    assert problem["status"] == 401 and problem["title"] and problem["detail"]
    assert problem["type"].startswith("http")


def test_a_tag_is_made_listed_and_read_with_a_token(client, make_api_token):
    secret = make_api_token()
    made = client.post(TAGS, json={"name": "VIP"}, headers=bearer(secret))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["name"] == "vip"
    read = client.get(made.headers["Location"], headers=bearer(secret))
    assert read.status_code == 200 and read.get_json() == made.get_json()
    listed = client.get(TAGS, headers=bearer(secret)).get_json()
    assert [tag["name"] for tag in listed["data"]] == ["vip"]
    assert listed["next_cursor"] is None


# --- tokens ---------------------------------------------------------------------------------

def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("header", ["Bearer ep_" + "x" * 43, "Bearer nonsense", "Basic abc",
                                    "Bearer "])
def test_a_token_that_does_not_exist_is_refused(client, make_api_token, header):
    make_api_token()
    problem = _problem(client.get(TAGS, headers={"Authorization": header}), 401)
    assert "not valid" in problem["detail"]


def test_a_revoked_or_expired_token_is_refused_with_the_reason(app, client, make_organiser,
                                                                make_api_token):
    owner = make_organiser()
    revoked, expiring = make_api_token(owner), make_api_token(owner, name="Short")
    with app.app_context():
        for token in db.session.scalars(select(ApiToken)):
            if token.name == "CRM sync":
                token.revoked_at = utcnow()
            else:
                token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "revoked" in _problem(client.get(TAGS, headers=bearer(revoked)), 401)["detail"]
    assert "expired" in _problem(client.get(TAGS, headers=bearer(expiring)), 401)["detail"]


@pytest.mark.parametrize("change", ["demoted", "removed"])
def test_a_token_stops_working_when_its_maker_no_longer_manages_the_workspace(
        app, client, make_organiser, make_member, make_api_token, change):
    owner = make_organiser()
    admin = make_member(owner, Role.ADMIN)
    secret = make_api_token(admin)
    assert client.get(TAGS, headers=bearer(secret)).status_code == 200
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(
            Membership.organiser_id == admin.id))
        if change == "demoted":
            membership.role = Role.ORGANISER
        else:
            db.session.delete(membership)
        db.session.commit()
    assert "no longer" in _problem(client.get(TAGS, headers=bearer(secret)), 401)["detail"]


def test_a_token_of_another_workspace_sees_nothing_of_this_one(app, client, make_organiser,
                                                              make_api_token):
    ours = make_api_token(make_organiser())
    theirs = make_api_token(make_organiser())
    made = client.post(TAGS, json={"name": "ours only"}, headers=bearer(ours)).get_json()
    _problem(client.get(f"{TAGS}/{made['id']}", headers=bearer(theirs)), 404)
    assert client.get(TAGS, headers=bearer(theirs)).get_json()["data"] == []


def test_a_token_without_the_scope_is_refused_and_nothing_is_made(app, client,
                                                                  make_api_token):
    secret = make_api_token(scopes=("contacts:read",))
    problem = _problem(client.post(TAGS, json={"name": "vip"}, headers=bearer(secret)), 403)
    assert "contacts:write" in problem["detail"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Tag.id))) == 0


# --- input --------------------------------------------------------------------------------

def test_unknown_fields_and_wrong_types_are_refused_field_by_field(client, make_api_token):
    secret = make_api_token()
    problem = _problem(client.post(TAGS, json={"name": 7, "colour": "red"},
                                   headers=bearer(secret)), 422)
    assert set(problem["errors"]) == {"name", "colour"}
    problem = _problem(client.post(TAGS, json=["vip"], headers=bearer(secret)), 422)
    assert problem["errors"]
    problem = _problem(client.post(TAGS, data="{not json", headers={
        **bearer(secret), "Content-Type": "application/json"}), 400)
    problem = _problem(client.get(f"{TAGS}?limit=0&cursor=x", headers=bearer(secret)), 422)
    assert "limit" in problem["errors"]


def test_a_huge_body_is_refused_before_it_is_read(client, make_api_token):
    secret = make_api_token()
    body = '{"name": "' + "x" * (6 * 1024 * 1024) + '"}'
    _problem(client.post(TAGS, data=body, headers={**bearer(secret),
                                                   "Content-Type": "application/json"}), 413)


def test_a_refusal_of_a_service_is_a_problem_in_the_callers_language(client, make_api_token):
    secret = make_api_token()
    client.post(TAGS, json={"name": "vip"}, headers=bearer(secret))
    problem = _problem(client.post(TAGS, json={"name": "VIP"}, headers={
        **bearer(secret), "Accept-Language": "de"}), 409)
    assert problem["detail"] != "A tag with this name exists."


# --- lists --------------------------------------------------------------------------------

def test_a_list_is_read_page_by_page_with_a_cursor(client, make_api_token):
    secret = make_api_token()
    for name in ("a", "b", "c", "d", "e"):
        client.post(TAGS, json={"name": name}, headers=bearer(secret))
    names, url, pages = [], f"{TAGS}?limit=2", 0
    while url:
        page = client.get(url, headers=bearer(secret)).get_json()
        names += [tag["name"] for tag in page["data"]]
        pages += 1
        url = f"{TAGS}?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert names == ["a", "b", "c", "d", "e"] and pages == 3
    _problem(client.get(f"{TAGS}?cursor=bm90IGEgY3Vyc29y", headers=bearer(secret)), 400)


def test_updated_since_lists_what_changed_and_what_was_deleted(app, client, make_api_token):
    secret = make_api_token()
    client.post(TAGS, json={"name": "old"}, headers=bearer(secret))
    gone = client.post(TAGS, json={"name": "gone"}, headers=bearer(secret)).get_json()
    since = (utcnow() + timedelta(milliseconds=5)).isoformat()
    time.sleep(0.01)
    client.post(TAGS, json={"name": "new"}, headers=bearer(secret))
    with app.app_context():
        db.session.delete(db.session.get(Tag, gone["id"]))
        db.session.commit()
    page = client.get(TAGS, query_string={"updated_since": since},
                      headers=bearer(secret)).get_json()
    assert [tag["name"] for tag in page["data"]] == ["new"]
    assert [(t["id"], t["reason"]) for t in page["deleted"]] == [(gone["id"], "deleted")]
    assert page["next_updated_since"] is not None
    assert client.get(TAGS, headers=bearer(secret)).get_json()["deleted"] == []


def test_a_read_has_an_etag_and_answers_304_while_nothing_changed(client, make_api_token):
    secret = make_api_token()
    url = client.post(TAGS, json={"name": "vip"}, headers=bearer(secret)).headers["Location"]
    first = client.get(url, headers=bearer(secret))
    etag = first.headers["ETag"]
    again = client.get(url, headers={**bearer(secret), "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    listed = client.get(TAGS, headers=bearer(secret))
    client.post(TAGS, json={"name": "new"}, headers=bearer(secret))
    assert client.get(TAGS, headers={**bearer(secret), "If-None-Match": listed.headers[
        "ETag"]}).status_code == 200


# --- retries, limits, audit -----------------------------------------------------------------

def test_a_post_sent_again_with_its_idempotency_key_is_done_once(app, client,
                                                                 make_api_token):
    secret = make_api_token()
    headers = {**bearer(secret), "Idempotency-Key": "tag-vip-1"}
    first = client.post(TAGS, json={"name": "vip"}, headers=headers)
    second = client.post(TAGS, json={"name": "vip"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    problem = _problem(client.post(TAGS, json={"name": "other"}, headers=headers), 422)
    assert "Idempotency-Key" in problem["detail"]
    with app.app_context():
        assert db.session.scalars(select(Tag.name)).all() == ["vip"]


@pytest.mark.settings(RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute")
def test_a_token_over_its_rate_limit_is_told_when_to_come_back(client, make_api_token):
    secret = make_api_token()
    for _ in range(3):
        assert client.get(TAGS, headers=bearer(secret)).status_code == 200
    refused = client.get(TAGS, headers=bearer(secret))
    _problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get(TAGS, headers=bearer(make_api_token())).status_code == 200


def test_every_call_is_in_the_audit_trail_refused_ones_too(app, client, make_api_token):
    secret = make_api_token(scopes=("contacts:read",))
    client.get(TAGS, headers=bearer(secret))
    client.post(TAGS, json={"name": "vip"}, headers=bearer(secret))
    with app.app_context():
        calls = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "api.called").order_by(AuditEntry.id)).all()
        assert [(c.details["method"], c.details["status"]) for c in calls] == [
            ("GET", 200), ("POST", 403)]
        assert all(c.details["token"] == "CRM sync" and c.actor_id for c in calls)
        token = db.session.scalar(select(ApiToken))
        assert token.last_used_at is not None


# --- the document and the pages ------------------------------------------------------------

def test_the_openapi_document_is_31_and_names_every_operations_scope(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    operations = [operation for item in document["paths"].values()
                  for operation in item.values() if isinstance(operation, dict)]
    assert operations and all(operation["security"] for operation in operations)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/tags" in page.get_data(as_text=True)


def test_an_admin_makes_a_token_sees_it_once_and_revokes_it(app, client, make_organiser,
                                                            log_in):
    owner = make_organiser()
    browser = log_in(owner)
    page = browser.submit("/team/api-tokens", {"name": "HubSpot", "scopes": [
        "contacts:read", "contacts:write"], "expires_on": ""})
    assert page.status_code == 200
    secret = re.search(r'value="(ep_[A-Za-z0-9_-]{43})"', page.get_data(as_text=True))[1]
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(TAGS, headers=bearer(secret)).status_code == 200
    listed = browser.get("/team/api-tokens").get_data(as_text=True)
    assert "HubSpot" in listed and secret not in listed and secret[:7] in listed
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_digest != secret and secret not in token.token_digest
    browser.submit(f"/team/api-tokens/{token.id}/revoke")
    _problem(client.get(TAGS, headers=bearer(secret)), 401)


def test_a_token_needs_a_name_and_a_scope(client, make_organiser, log_in):
    browser = log_in(make_organiser())
    page = browser.submit("/team/api-tokens", {"name": "", "expires_on": "2020-01-01"})
    assert page.status_code == 422
    assert "ep_" not in page.get_data(as_text=True)


def test_text_with_nul_and_numbers_past_any_column_are_refused_not_a_server_error(
        client, make_api_token):
    secret = make_api_token()
    problem = _problem(client.post(TAGS, json={"name": "v\u0000ip"}, headers=bearer(secret)),
                       422)
    assert list(problem["errors"]) == ["name"]
    problem = _problem(client.get(f"{TAGS}?limit=99999999999", headers=bearer(secret)), 422)
    assert "limit" in problem["errors"]


@pytest.mark.parametrize("query", [
    {"cursor": base64.urlsafe_b64encode(b'{"s":null,"u":null,"a":[null,1e999],"g":null}')},
    {"cursor": base64.urlsafe_b64encode(
        b'{"s":null,"u":null,"a":[null,1000000000000000000000000000000],"g":null}')},
    {"cursor": base64.urlsafe_b64encode(
        b'{"s":"0001-01-01T00:00:00+01:00","u":null,"a":null,"g":null}')},
    {"updated_since": "0001-01-01T00:00:00+01:00"},
    {"updated_since": "9999-12-31T23:59:59-01:00"},
])
def test_cursors_and_instants_past_the_ends_are_refused_not_a_server_error(
        client, make_api_token, query):
    response = client.get(TAGS, query_string=query, headers=bearer(make_api_token()))
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body", ['{"name": "x\\udcff"}', "[" * 100_000 + "]" * 100_000])
def test_a_lone_surrogate_or_json_nested_too_deep_is_refused_not_a_server_error(
        client, make_api_token, body):
    response = client.post(TAGS, data=body, headers={
        **bearer(make_api_token()), "Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"


def test_a_flush_that_fails_leaves_no_tombstone_of_what_it_would_have_deleted(app):
    with app.app_context():
        workspace_id = start_workspace(register_organiser(
            "Ada", "ada@example.com", PASSWORD, own_workspace=False), "Team").workspace_id
        kept = Tag(workspace_id=workspace_id, name="kept")
        db.session.add(kept)
        db.session.commit()
        db.session.delete(kept)
        db.session.add(Tag(workspace_id=workspace_id, name="kept"))  # refused: same name
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(Tag(workspace_id=workspace_id, name="other"))
        db.session.commit()
        assert db.session.scalar(select(func.count(Tombstone.id))) == 0


def test_a_removed_part_leaves_a_tombstone_of_its_event(app, make_event, make_activity):
    event = make_event()
    part_id = make_activity(event).id
    with app.app_context():
        event = db.session.get(type(event), event.id)
        remove_part(event.activities[0], utcnow())
        db.session.commit()
        [tombstone] = db.session.scalars(select(Tombstone)).all()
        assert (tombstone.kind, tombstone.object_id, tombstone.event_id) == (
            "part", part_id, event.id)


def test_an_unknown_query_parameter_is_refused_like_an_unknown_field(client, make_api_token):
    problem = _problem(client.get(f"{TAGS}?updated_snce=2026-01-01T00:00:00Z",
                                  headers=bearer(make_api_token())), 422)
    assert list(problem["errors"]) == ["updated_snce"]
